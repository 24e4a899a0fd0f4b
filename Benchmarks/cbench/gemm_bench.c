/*
 * gemm_bench.c — sn_sgemm against OpenBLAS's cblas_sgemm, per shape and
 * thread count, interleaved (ours, OpenBLAS, ours, ...) so both see the same
 * machine load; prints medians in GFLOPS.
 *
 * Build and run (from the repository root; needs libopenblas-dev, libomp-dev):
 *     Benchmarks/cbench/run_gemm_bench.sh            # all shapes, 1 and 2 threads
 *     Benchmarks/cbench/run_gemm_bench.sh 'mlp'      # shapes whose name contains mlp
 *
 * Why not only the package-benchmark suite: this builds in seconds, and one
 * process times both libraries alternately, which is what a shared, noisy
 * 2-core machine needs.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckernels.h"
#include "bench_util.h"

typedef struct { const char *name; int ta, tb, M, N, K; } shape;

static const shape shapes[] = {
    {"mlp.forward 100x100x784", 0, 0, 100, 100, 784},
    {"mlp.dW 784x100x100 (At)", 1, 0, 784, 100, 100},
    {"mlp.dx 100x784x100 (Bt)", 0, 1, 100, 784, 100},
    {"head.forward 100x10x100", 0, 0, 100, 10, 100},
    {"head.dW 100x10x100 (At)", 1, 0, 100, 10, 100},
    {"head.dx 100x100x10 (Bt)", 0, 1, 100, 100, 10},
    {"mlp256.forward 100x256x784", 0, 0, 100, 256, 784},
    {"mlp256.hidden 100x256x256", 0, 0, 100, 256, 256},
    {"mlp256.dW 784x256x100 (At)", 1, 0, 784, 256, 100},
    {"mlp256.dx 100x784x256 (Bt)", 0, 1, 100, 784, 256},
    {"mlp256.hdW 256x256x100 (At)", 1, 0, 256, 256, 100},
    {"mlp256.hdx 100x256x256 (Bt)", 0, 1, 100, 256, 256},
    {"cnn.affine1 100x100x4320", 0, 0, 100, 100, 4320},
    {"cnn.affine1.dW 4320x100x100 (At)", 1, 0, 4320, 100, 100},
    {"cnn.affine1.dx 100x4320x100 (Bt)", 0, 1, 100, 4320, 100},
    {"infer.mlp 1000x100x784", 0, 0, 1000, 100, 784},
    {"infer.head 1000x10x100", 0, 0, 1000, 10, 100},
    {"infer.cnn.affine1 1000x100x4320", 0, 0, 1000, 100, 4320},
    {"square 512", 0, 0, 512, 512, 512},
    {"square 2048", 0, 0, 2048, 2048, 2048},
};

// Seconds per call, timing `calls` calls in a row.
static double time_calls(int lib, int nth, const shape *s, int calls, const float *A, const float *B, float *C) {
    int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
    double t0 = bench_now();
    for (int c = 0; c < calls; c++) {
        if (lib == 0)
            sn_sgemm(nth, s->ta, s->tb, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, 0.0f, C, s->N);
        else
            cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans,
                        s->M, s->N, s->K, 1.0f, A, lda, B, ldb, 0.0f, C, s->N);
    }
    return (bench_now() - t0) / calls;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : "";
    int reps = argc > 2 ? atoi(argv[2]) : 15;
    const char *threads_arg = argc > 3 ? argv[3] : "1,2";
    printf("%-34s %3s %9s %9s %6s\n", "shape (MxNxK)", "thr", "ours", "openblas", "ratio");
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const shape *s = &shapes[i];
        if (!strstr(s->name, filter)) continue;
        size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
        float *A = aligned_alloc(64, (na * 4 + 63) / 64 * 64), *B = aligned_alloc(64, (nb * 4 + 63) / 64 * 64);
        float *C = aligned_alloc(64, (nc * 4 + 63) / 64 * 64);
        for (size_t j = 0; j < na; j++) A[j] = (float)((j * 7919) % 1000) / 1000.0f - 0.5f;
        for (size_t j = 0; j < nb; j++) B[j] = (float)((j * 104729) % 1000) / 1000.0f - 0.5f;
        double flops = 2.0 * s->M * s->N * s->K;
        int calls = (int)(2.0e-3 * 100e9 / flops);  // ~2 ms per timing at 100 GFLOPS
        if (calls < 1) calls = 1;
        for (const char *t = threads_arg; *t;) {
            int nth = atoi(t);
            openblas_set_num_threads(nth);
            double g[2][64];
            int r_max = reps > 64 ? 64 : reps;
            time_calls(0, nth, s, calls, A, B, C);  // warm-up
            time_calls(1, nth, s, calls, A, B, C);
            for (int r = 0; r < r_max; r++)
                for (int lib = 0; lib < 2; lib++) g[lib][r] = flops / time_calls(lib, nth, s, calls, A, B, C) / 1e9;
            qsort(g[0], r_max, sizeof(double), bench_compare_doubles);
            qsort(g[1], r_max, sizeof(double), bench_compare_doubles);
            double ours = g[0][r_max / 2], blas = g[1][r_max / 2];
            printf("%-34s %3d %9.1f %9.1f %5.2fx\n", s->name, nth, ours, blas, ours / blas);
            fflush(stdout);
            while (*t && *t != ',') t++;
            if (*t == ',') t++;
        }
        free(A); free(B); free(C);
    }
    return 0;
}
