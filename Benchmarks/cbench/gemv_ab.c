/*
 * gemv_ab.c — time per product of few rows (M = 1..12) on each GEMM kernel
 * the CPU has, for the Affine shapes of the presets at batch 1, with
 * sn_sgemm_bias_act as inference calls it. run_gemv_ab.sh builds it twice
 * (matrix-vector path on, and off through SN_GEMM_GEMV_MAX_M_*=0) and
 * alternates the two programs; each prints one line per (kernel, shape, M):
 *     kernel K N[t] M nanoseconds      (t: Bᵀ)
 * (median over `rounds` rounds of a batch of calls, at `threads` threads).
 */
#include <stdio.h>
#include <stdlib.h>
#include "ckernels.h"
#include "bench_util.h"

typedef struct { int K, N, tb; } shape;

// two-layer 784-100-10, mlp 784-256-256-256-10, simple-cnn 4320-100-10, deep-cnn 1024-50-10;
// tb: Bᵀ, as the input gradient of a batch-1 training step (dX = dY·Wᵀ).
static const shape shapes[] = {{784, 100, 0}, {100, 10, 0}, {784, 256, 0}, {256, 256, 0}, {256, 10, 0},
                               {4320, 100, 0}, {1024, 50, 0}, {50, 10, 0}, {100, 784, 1}, {10, 100, 1},
                               {256, 256, 1}};

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7, max_m = argc > 2 ? atoi(argv[2]) : 12;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    const int kernels[] = {SN_GEMM_KERNEL_AVX512, SN_GEMM_KERNEL_AVX2, SN_GEMM_KERNEL_GENERIC};
    const char *names[] = {"avx512", "avx2", "generic"};
    if (rounds < 1 || rounds > 64 || max_m < 1) {
        fprintf(stderr, "usage: %s [rounds 1..64] [max M >= 1] [threads]\n", argv[0]);
        return 64;
    }
    float *A = malloc(sizeof(float) * max_m * 4320), *B = malloc(sizeof(float) * 4320 * 256);
    float *bias = malloc(sizeof(float) * 1024), *C = malloc(sizeof(float) * max_m * 1024);
    for (int i = 0; i < max_m * 4320; i++) A[i] = (float)(i % 17) / 17.0f;
    for (int i = 0; i < 4320 * 256; i++) B[i] = (float)(i % 13) / 13.0f - 0.5f;
    for (int i = 0; i < 1024; i++) bias[i] = 0.001f * i;
    for (int q = 0; q < 3; q++) {
        if (!sn_gemm_kernel_supported(kernels[q])) continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int K = shapes[s].K, N = shapes[s].N, tb = shapes[s].tb;
            for (int M = 1; M <= max_m; M++) {
                const int calls = (int)(2e7 / (2.0 * M * N * K)) + 1;
                double t[64];
                for (int r = 0; r < rounds; r++) {
                    double t0 = bench_now();
                    for (int c = 0; c < calls; c++)
                        sn_sgemm_bias_act_with_kernel(kernels[q], threads, 0, tb, M, N, K, A, K, B, tb ? K : N, bias, 1,
                                                      C, N);
                    t[r] = (bench_now() - t0) / calls;
                }
                qsort(t, rounds, sizeof t[0], bench_compare_doubles);
                printf("%s %d %d%s %d %.1f\n", names[q], K, N, tb ? "t" : "", M, t[rounds / 2] * 1e9);
            }
        }
    }
    return 0;
}
