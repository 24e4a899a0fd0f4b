/*
 * conv_algorithms_ab.c — deep-cnn's and fast-cnn's 3×3 convolutions at batch
 * 100 (or argv[3]): the direct product, Winograd F(2×2, 3×3) and F(4×4, 3×3),
 * each forced, alternated in one process: the forward, the input gradient
 * (the transposed convolution's forward: rows marked ᵀ) and the weight
 * gradient alone (sn_conv_backward without dx; 2×2 tiles for both Winograd
 * columns); and the inference forward with the weights transformed
 * beforehand (sn_conv_prepare_inference, as an inference network keeps
 * them). Prints the best time of ROUNDS per pass and the tile sides AUTO
 * and the inference forward pick.
 *
 *     Benchmarks/cbench/run_conv_algorithms_ab.sh [THREADS] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include "ckernels.h"
#include "bench_util.h"

static float *uniform(long n, unsigned *state) {
    float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64) * 64);
    for (long i = 0; i < n; i++) {
        *state = *state * 1664525u + 1013904223u;
        p[i] = (float)(*state >> 8) / 16777216.0f - 0.5f;
    }
    return p;
}

int main(int argc, char **argv) {
    const int threads = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 10;
    const int batch = argc > 3 ? atoi(argv[3]) : 100;
    /* (name, C, H, FN, pad): deep-cnn's layers after the first, and the
     * transposed convolutions their input gradients run. */
    const struct { const char *name; int C, H, FN, pad; } layers[] = {
        {"conv2 16→16 28×28", 16, 28, 16, 1}, {"conv3 16→32 14×14", 16, 14, 32, 1},
        {"conv4 32→32 14×14 pad 2", 32, 14, 32, 2}, {"conv5 32→64 8×8", 32, 8, 64, 1},
        {"conv6 64→64 8×8", 64, 8, 64, 1}, {"conv3ᵀ 32→16 14×14", 32, 14, 16, 1},
        {"conv4ᵀ 32→32 16×16 pad 0", 32, 16, 32, 0}, {"conv5ᵀ 64→32 8×8", 64, 8, 32, 1},
        /* fast-cnn's second and third convolutions and their input gradients */
        {"fast2 24→48 14×14", 24, 14, 48, 1}, {"fast3 48→96 7×7", 48, 7, 96, 1},
        {"fast2ᵀ 48→24 14×14", 48, 14, 24, 1}, {"fast3ᵀ 96→48 7×7", 96, 7, 48, 1},
    };
    unsigned state = 1;
    printf("%d thread(s), batch %d, best of %d, ms: direct / Winograd 2×2 / Winograd 4×4, then the inference forward "
           "with prepared weights; AUTO's and the inference forward's tile sides (0: direct)\n",
           threads, batch, rounds);
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        sn_conv_geometry g = {batch, layers[l].C, layers[l].H, layers[l].H, layers[l].FN, 3, 3, 1, layers[l].pad, 0, 0};
        g.OH = g.OW = g.H + 2 * g.pad - 2;
        const long nx = (long)g.N * g.C * g.H * g.W, no = (long)g.N * g.FN * g.OH * g.OW, nw = (long)g.FN * g.C * 9;
        float *x = uniform(nx, &state), *w = uniform(nw, &state), *b = uniform(g.FN, &state);
        float *dout = uniform(no, &state), *out = uniform(no, &state), *dw = uniform(nw, &state);
        float *db = uniform(g.FN, &state), *scratch = uniform((long)sn_conv_scratch_floats(g), &state);
        double best[3][2], prepared = 1e30;
        sn_conv_prepare_inference(threads, w, scratch, g);  // the forced forwards rewrite the same bits
        const sn_conv_algorithm algorithms[3] = {SN_CONV_ALGORITHM_DIRECT, SN_CONV_ALGORITHM_WINOGRAD,
                                                 SN_CONV_ALGORITHM_WINOGRAD_4X4};
        for (int a = 0; a < 3; a++) best[a][0] = best[a][1] = 1e30;
        for (int r = 0; r < rounds; r++)
            for (int a = 0; a < 3; a++) {
                const sn_conv_algorithm algorithm = algorithms[a];
                const double t0 = bench_now();
                sn_conv_forward_with_algorithm(SN_GEMM_KERNEL_AUTO, algorithm, threads, x, w, b, out, scratch, g);
                const double t1 = bench_now();
                sn_conv_backward_with_algorithm(SN_GEMM_KERNEL_AUTO, algorithm, threads, x, w, dout, dw, db, 0,
                                                scratch, g);
                const double t2 = bench_now();
                if (t1 - t0 < best[a][0]) best[a][0] = t1 - t0;
                if (t2 - t1 < best[a][1]) best[a][1] = t2 - t1;
                if (a == 2) {
                    const double t3 = bench_now();
                    sn_conv_inference_forward(SN_GEMM_KERNEL_AUTO, threads, x, w, b, out, scratch, g);
                    const double t4 = bench_now();
                    if (t4 - t3 < prepared) prepared = t4 - t3;
                }
            }
        printf("%-26s forward %7.3f / %7.3f / %7.3f, prepared %7.3f   weight gradient %7.3f / %7.3f / %7.3f   "
               "AUTO: %d, inference: %d\n",
               layers[l].name, best[0][0] * 1e3, best[1][0] * 1e3, best[2][0] * 1e3, prepared * 1e3,
               best[0][1] * 1e3, best[1][1] * 1e3, best[2][1] * 1e3, sn_conv_uses_winograd(g, 0),
               sn_conv_inference_tile(g));
        free(x); free(w); free(b); free(dout); free(out); free(dw); free(db); free(scratch);
    }
    return 0;
}
