/*
 * pool.c — max pooling over NCHW images, forward next to backward.
 *
 * The forward records, for every output, the index (ih·W + iw, inside its
 * (n, c) plane) of the input it copied; the backward routes each output
 * gradient back to that one input. Padding never wins: it acts as −∞
 * (PyTorch's rule; the book pads with zeros, which differs only when every
 * real input of a window is negative).
 *
 * Parallel over (n, c) planes with a static schedule; each plane of y, dx
 * and argmax is written by one thread.
 */
#include <string.h>
#include "ckernels.h"

#define SN_POOL_PARALLEL_GRAIN 32768L

// x is (N, C, H, W); y and argmax are (N, C, OH, OW).
void sn_maxpool_forward(const float *restrict x, float *restrict y, int32_t *restrict argmax,
                        int N, int C, int H, int W, int PH, int PW,
                        int stride, int pad, int OH, int OW) {
    const long planes = (long)N * C;
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if (planes * OH * OW * PH * PW >= SN_POOL_PARALLEL_GRAIN)
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * H * W;
        float *yp = y + p * OH * OW;
        int32_t *ap = argmax + p * OH * OW;
        if (PH == 2 && PW == 2 && stride == 2 && pad == 0) {
            // The book's pool: four candidates, no bounds to clip.
            for (int oh = 0; oh < OH; oh++) {
                const float *r0 = xp + (2 * oh) * W;
                const float *r1 = r0 + W;
                for (int ow = 0; ow < OW; ow++) {
                    const int iw = 2 * ow;
                    int best = 2 * oh * W + iw;
                    float v = r0[iw];
                    if (r0[iw + 1] > v) { v = r0[iw + 1]; best = 2 * oh * W + iw + 1; }
                    if (r1[iw] > v) { v = r1[iw]; best = (2 * oh + 1) * W + iw; }
                    if (r1[iw + 1] > v) { v = r1[iw + 1]; best = (2 * oh + 1) * W + iw + 1; }
                    yp[oh * OW + ow] = v;
                    ap[oh * OW + ow] = best;
                }
            }
            continue;
        }
        for (int oh = 0; oh < OH; oh++) {
            const int ih0 = oh * stride - pad;
            const int h_lo = ih0 < 0 ? 0 : ih0;
            const int h_hi = ih0 + PH > H ? H : ih0 + PH;
            for (int ow = 0; ow < OW; ow++) {
                const int iw0 = ow * stride - pad;
                const int w_lo = iw0 < 0 ? 0 : iw0;
                const int w_hi = iw0 + PW > W ? W : iw0 + PW;
                // The window holds at least one real input (pad <= size/2 is checked
                // when the layer is built); the first maximum wins ties.
                int best = h_lo * W + w_lo;
                float best_value = xp[best];
                for (int ih = h_lo; ih < h_hi; ih++) {
                    for (int iw = w_lo; iw < w_hi; iw++) {
                        const float v = xp[ih * W + iw];
                        if (v > best_value) { best_value = v; best = ih * W + iw; }
                    }
                }
                yp[oh * OW + ow] = best_value;
                ap[oh * OW + ow] = best;
            }
        }
    }
}

// dy and argmax are (N, C, OH, OW); dx (N, C, H, W) is OVERWRITTEN: zero except
// where an output took its value from, which receives the sum of those dy.
void sn_maxpool_backward(const float *restrict dy, const int32_t *restrict argmax,
                         float *restrict dx, int N, int C, int H, int W, int OH, int OW) {
    const long planes = (long)N * C;
#pragma omp parallel for schedule(static) num_threads(sn_get_num_threads()) \
    if (planes * (OH * OW + H * W) >= SN_POOL_PARALLEL_GRAIN)
    for (long p = 0; p < planes; p++) {
        float *dxp = dx + p * H * W;
        const float *dyp = dy + p * OH * OW;
        const int32_t *ap = argmax + p * OH * OW;
        memset(dxp, 0, sizeof(float) * (size_t)H * W);
        for (int i = 0; i < OH * OW; i++) dxp[ap[i]] += dyp[i];
    }
}
