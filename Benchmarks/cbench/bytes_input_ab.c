/*
 * bytes_input_ab.c — a first layer at inference on byte images, two ways,
 * alternated in one process: converting each batch to floats
 * (sn_gather_bytes_to_float) then sn_sgemm, against sn_sgemm_bytes packing
 * straight from the bytes. Prints the median time per pass over the samples
 * and the median paired ratio (with quartiles).
 *
 *     Benchmarks/cbench/run_bytes_input_ab.sh [THREADS] [ROUNDS]
 *
 * The job is the eval command's first product: 10 000 samples of 784
 * bytes, batches of 1000, times a 784×100 weight matrix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ckernels.h"
#include "bench_util.h"

int main(int argc, char **argv) {
    const int threads = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 41;
    const int samples = 10000, K = 784, N = 100, batch = 1000;
    if (threads < 1 || rounds < 1) { fprintf(stderr, "usage: %s [THREADS] [ROUNDS]\n", argv[0]); return 2; }
    uint8_t *X = malloc((size_t)samples * K);
    float *W = malloc(sizeof(float) * K * N), *input = malloc(sizeof(float) * (size_t)batch * K);
    float *C = malloc(sizeof(float) * batch * N);
    double *converted = malloc(sizeof(double) * rounds), *ratio = malloc(sizeof(double) * rounds);
    if (!X || !W || !input || !C || !converted || !ratio) { fprintf(stderr, "out of memory\n"); return 1; }
    for (size_t i = 0; i < (size_t)samples * K; i++) X[i] = (uint8_t)((i * 2654435761u) >> 24);
    for (int i = 0; i < K * N; i++) W[i] = (float)((i * 37) % 101 - 50) * 1e-3f;
    const float scale = 1.0f / 255.0f;
    for (int r = -2; r < rounds; r++) {  // two warm-up rounds
        double t0 = bench_now();
        for (int s = 0; s < samples; s += batch) {
            sn_gather_bytes_to_float(threads, X, NULL, s, batch, K, scale, input);
            sn_sgemm(threads, 0, 0, batch, N, K, 1.0f, input, K, W, N, 0.0f, C, N);
        }
        double t1 = bench_now();
        for (int s = 0; s < samples; s += batch)
            sn_sgemm_bytes(threads, 0, batch, N, K, scale, X + (size_t)s * K, K, W, N, 0.0f, C, N);
        double t2 = bench_now();
        if (r >= 0) { converted[r] = t1 - t0; ratio[r] = (t1 - t0) / (t2 - t1); }
    }
    qsort(converted, rounds, sizeof(double), bench_compare_doubles);
    qsort(ratio, rounds, sizeof(double), bench_compare_doubles);
    printf("%d threads: convert + sgemm %.2f ms per 10 000 samples; sgemm_bytes is %.3fx as fast (quartiles %.3f-%.3f)\n",
           threads, converted[rounds / 2] * 1e3, ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
    free(X); free(W); free(input); free(C); free(converted); free(ratio);
    return 0;
}
