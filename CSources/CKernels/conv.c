/*
 * conv.c — the data movement around a convolution done as a matrix multiply.
 *
 * A convolution of x (N, C, H, W) with weights (FN, C, FH, FW) is computed as
 *   col  = im2col(x)                      (N·OH·OW, C·FH·FW)   one row per output pixel
 *   rows = col · Wᵀ                       (N·OH·OW, FN)        sn_sgemm, one big product
 *   out  = rows_to_nchw(rows) + bias      (N, FN, OH, OW)
 * and backward as
 *   drows = nchw_to_rows(dout)            (N·OH·OW, FN)
 *   dW    = drowsᵀ · col                  (FN, C·FH·FW)
 *   dcol  = drows · W                     (N·OH·OW, C·FH·FW)
 *   dx    = col2im(dcol)                  (N, C, H, W)
 * The book's layout (common/util.py): one GEMM for the whole batch keeps the
 * product's M dimension large (N·OH·OW), where the blocked sgemm is fastest.
 *
 * Every loop here is parallel over images with a static schedule: each image's
 * rows of col and its slice of x/dx belong to one thread, so there are no
 * races and the results do not depend on the thread count.
 */
#include <string.h>
#include "ckernels.h"

/* Below this many floats moved, a call stays on the calling thread. */
#define SN_CONV_PARALLEL_GRAIN 32768L

// x is (N, C, H, W); col is (N·OH·OW, C·FH·FW); row (n, oh, ow), column (c, fh, fw).
// Positions in the zero padding give 0.
void sn_im2col(const float *restrict x, float *restrict col,
               int N, int C, int H, int W, int FH, int FW,
               int stride, int pad, int OH, int OW) {
    const long K = (long)C * FH * FW;
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if ((long)N * OH * OW * K >= SN_CONV_PARALLEL_GRAIN)
    for (int n = 0; n < N; n++) {
        const float *xn = x + (long)n * C * H * W;
        for (int oh = 0; oh < OH; oh++) {
            const int ih0 = oh * stride - pad;
            for (int ow = 0; ow < OW; ow++) {
                const int iw0 = ow * stride - pad;
                float *row = col + (((long)n * OH + oh) * OW + ow) * K;
                // The fw run that lands inside the image: [lo, hi).
                const int lo = iw0 < 0 ? -iw0 : 0;
                const int hi = iw0 + FW > W ? W - iw0 : FW;
                for (int c = 0; c < C; c++) {
                    const float *xc = xn + (long)c * H * W;
                    for (int fh = 0; fh < FH; fh++) {
                        float *dst = row + ((long)c * FH + fh) * FW;
                        const int ih = ih0 + fh;
                        if (ih < 0 || ih >= H || lo >= hi) {
                            for (int fw = 0; fw < FW; fw++) dst[fw] = 0.0f;
                            continue;
                        }
                        const float *src = xc + (long)ih * W + iw0;
                        for (int fw = 0; fw < lo; fw++) dst[fw] = 0.0f;
                        for (int fw = lo; fw < hi; fw++) dst[fw] = src[fw];
                        for (int fw = hi; fw < FW; fw++) dst[fw] = 0.0f;
                    }
                }
            }
        }
    }
}

// The adjoint of sn_im2col: dx (N, C, H, W) is OVERWRITTEN with the sum of
// every col entry that was copied from each pixel (padding entries dropped).
void sn_col2im(const float *restrict col, float *restrict dx,
               int N, int C, int H, int W, int FH, int FW,
               int stride, int pad, int OH, int OW) {
    const long K = (long)C * FH * FW;
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if ((long)N * OH * OW * K >= SN_CONV_PARALLEL_GRAIN)
    for (int n = 0; n < N; n++) {
        float *dxn = dx + (long)n * C * H * W;
        memset(dxn, 0, sizeof(float) * (size_t)C * H * W);
        for (int oh = 0; oh < OH; oh++) {
            const int ih0 = oh * stride - pad;
            for (int ow = 0; ow < OW; ow++) {
                const int iw0 = ow * stride - pad;
                const float *row = col + (((long)n * OH + oh) * OW + ow) * K;
                const int lo = iw0 < 0 ? -iw0 : 0;
                const int hi = iw0 + FW > W ? W - iw0 : FW;
                if (lo >= hi) continue;
                for (int c = 0; c < C; c++) {
                    float *dxc = dxn + (long)c * H * W;
                    for (int fh = 0; fh < FH; fh++) {
                        const int ih = ih0 + fh;
                        if (ih < 0 || ih >= H) continue;
                        const float *src = row + ((long)c * FH + fh) * FW;
                        float *dst = dxc + (long)ih * W + iw0;
                        for (int fw = lo; fw < hi; fw++) dst[fw] += src[fw];
                    }
                }
            }
        }
    }
}

/* Transposes go through tiles of SN_TILE pixels × all F channels: the tile
 * (SN_TILE·F floats) stays in L1 while one side is read contiguously. */
#define SN_TILE 16

// rows is (N·S, F) (one row per pixel); out is (N, F, S); out[n,f,s] = rows[n·S+s, f] + bias[f].
// bias may be NULL (no bias).
void sn_rows_to_nchw(const float *restrict rows, const float *restrict bias,
                     float *restrict out, int N, int F, int S) {
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if ((long)N * F * S >= SN_CONV_PARALLEL_GRAIN)
    for (int n = 0; n < N; n++) {
        const float *rn = rows + (long)n * S * F;
        float *on = out + (long)n * F * S;
        for (int s0 = 0; s0 < S; s0 += SN_TILE) {
            const int len = S - s0 < SN_TILE ? S - s0 : SN_TILE;
            for (int f = 0; f < F; f++) {
                const float b = bias ? bias[f] : 0.0f;
                float *of = on + (long)f * S + s0;
                const float *rf = rn + (long)s0 * F + f;
                for (int i = 0; i < len; i++) of[i] = rf[(long)i * F] + b;
            }
        }
    }
}

// x is (N, F, S); rows is (N·S, F): the transpose used on the output gradient.
void sn_nchw_to_rows(const float *restrict x, float *restrict rows, int N, int F, int S) {
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if ((long)N * F * S >= SN_CONV_PARALLEL_GRAIN)
    for (int n = 0; n < N; n++) {
        const float *xn = x + (long)n * F * S;
        float *rn = rows + (long)n * S * F;
        for (int s0 = 0; s0 < S; s0 += SN_TILE) {
            const int len = S - s0 < SN_TILE ? S - s0 : SN_TILE;
            for (int f = 0; f < F; f++) {
                const float *xf = xn + (long)f * S + s0;
                float *rf = rn + (long)s0 * F + f;
                for (int i = 0; i < len; i++) rf[(long)i * F] = xf[i];
            }
        }
    }
}

// x is (N, F, S); sums is (F), OVERWRITTEN: sums[f] = Σ_n Σ_s x[n,f,s] (the
// conv bias gradient). Each channel is summed by one thread in a fixed order.
void sn_channel_sums(const float *restrict x, float *restrict sums, int N, int F, int S) {
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if ((long)N * F * S >= SN_CONV_PARALLEL_GRAIN)
    for (int f = 0; f < F; f++) {
        float total = 0.0f;
        for (int n = 0; n < N; n++) {
            const float *p = x + ((long)n * F + f) * S;
            float partial = 0.0f;
#pragma omp simd reduction(+:partial)
            for (int s = 0; s < S; s++) partial += p[s];
            total += partial;
        }
        sums[f] = total;
    }
}
