/*
 * gemm_switch_ab.c — one shape, several settings of sgemm.c's development
 * switches, alternated call batch by call batch in one process; prints each
 * setting's median GFLOPS and the median of its paired time ratio against
 * the first setting (with quartiles).
 *
 * Why: on a shared 2-core machine two separate runs can differ by 30 % while
 * a paired ratio taken ~1 ms apart stays within a few percent. This is how
 * the changes to sgemm.c's packing and thread split were measured.
 *
 *     Benchmarks/cbench/run_gemm_switch_ab.sh TA TB M N K THREADS ROUNDS SETTING...
 *     Benchmarks/cbench/run_gemm_switch_ab.sh 0 0 100 256 256 2 80 SN_SPLIT=m SN_SPLIT=n -
 *
 * A setting is "-" (the defaults) or comma-separated NAME=VALUE pairs from:
 * SN_NO_SHARED_B=1 (each thread packs its own B on the M split, as before
 * 2026-12), SN_NO_PACK_AVX2=1 (scalar packing), SN_SPLIT=m|n (force the split),
 * SN_DIRECT=0..3 (read A, B in place: bit 0 A, bit 1 B), SN_PAR=<flops>
 * (parallel threshold), SN_KC=<k> (K block, at most the build's longest),
 * SN_MC=<m> (A block rows, a multiple of 12 up to MC), SN_NC=<n> (B block
 * width, at most NC), SN_NO_PREFETCH_C=1 (no C tile prefetch), SN_NO_UNROLL=1 (AVX2
 * micro-kernel one k per iteration), SN_SMALL_N=<n> (products with at most n columns
 * run transposed; 0: never).
 * Environment SN_AB_COPIES=n cycles through n copies of A and B (operands from L3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckernels.h"
#include "bench_util.h"

static const char *const switches[] = {"SN_NO_SHARED_B", "SN_NO_PACK_AVX2", "SN_SPLIT", "SN_DIRECT", "SN_NC", "SN_NO_PREFETCH_C", "SN_NO_UNROLL",
                                       "SN_PAR", "SN_KC", "SN_SMALL_N", NULL};

static void apply(const char *setting) {
    for (int v = 0; switches[v]; v++) unsetenv(switches[v]);
    if (strcmp(setting, "-") == 0) return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", setting);
    for (char *pair = strtok(buf, ","); pair; pair = strtok(NULL, ",")) {
        char *eq = strchr(pair, '=');
        if (!eq) { fprintf(stderr, "setting '%s': expected NAME=VALUE\n", pair); exit(2); }
        *eq = 0;
        setenv(pair, eq + 1, 1);
    }
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: %s TA TB M N K THREADS ROUNDS SETTING...\n", argv[0]);
        return 2;
    }
    int ta = atoi(argv[1]), tb = atoi(argv[2]), M = atoi(argv[3]), N = atoi(argv[4]), K = atoi(argv[5]);
    int threads = atoi(argv[6]), rounds = atoi(argv[7]), ns = argc - 8;
    char **settings = argv + 8;
    if (M < 1 || N < 1 || K < 1 || threads < 1 || rounds < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    // SN_AB_COPIES=n: cycle through n copies of A and B, so that (with n·(|A| + |B|) past L2) the
    // operands come from L3, as a layer's weights do after the optimizer has streamed over them.
    const int copies = getenv("SN_AB_COPIES") ? atoi(getenv("SN_AB_COPIES")) : 1;
    if (copies < 1) { fprintf(stderr, "SN_AB_COPIES must be >= 1\n"); return 2; }
    const size_t as = (size_t)M * K, bs = (size_t)K * N;
    float *A = malloc(sizeof(float) * as * copies), *B = malloc(sizeof(float) * bs * copies);
    float *C = malloc(sizeof(float) * (size_t)M * N);
    double *t = malloc(sizeof(double) * (size_t)rounds * ns), *g = malloc(sizeof(double) * rounds),
           *q = malloc(sizeof(double) * rounds);
    if (!A || !B || !C || !t || !g || !q) { fprintf(stderr, "out of memory\n"); return 1; }
    for (size_t i = 0; i < as * copies; i++) A[i] = (float)(i % 1000) / 1000.0f - 0.5f;
    for (size_t i = 0; i < bs * copies; i++) B[i] = (float)(i % 777) / 777.0f - 0.5f;
    int lda = ta ? M : K, ldb = tb ? K : N;
    double flops = 2.0 * M * N * K;
    int calls = (int)(1.0e-3 * 80e9 / flops);  // ~1 ms per batch at 80 GFLOPS
    if (calls < 1) calls = 1;
    sn_set_num_threads(threads);
    for (int r = -2; r < rounds; r++) {  // two warm-up rounds
        for (int s = 0; s < ns; s++) {
            apply(settings[s]);
            double t0 = bench_now();
            for (int c = 0; c < calls; c++)
                sn_sgemm(ta, tb, M, N, K, 1.0f, A + as * (c % copies), lda, B + bs * (c % copies), ldb, 0.0f, C, N);
            if (r >= 0) t[(size_t)r * ns + s] = (bench_now() - t0) / calls;
        }
    }
    for (int s = 0; s < ns; s++) {
        for (int r = 0; r < rounds; r++) {
            g[r] = flops / t[(size_t)r * ns + s] / 1e9;
            q[r] = t[(size_t)r * ns] / t[(size_t)r * ns + s];
        }
        qsort(g, rounds, sizeof(double), bench_compare_doubles);
        qsort(q, rounds, sizeof(double), bench_compare_doubles);
        printf("%dx%dx%d ta%d tb%d T%d  %-36s %6.1f GFLOPS  %.3fx of the first (quartiles %.3f-%.3f)\n",
               M, N, K, ta, tb, threads, settings[s], g[rounds / 2], q[rounds / 2], q[rounds / 4],
               q[3 * rounds / 4]);
    }
    free(A); free(B); free(C); free(t); free(g); free(q);
    return 0;
}
