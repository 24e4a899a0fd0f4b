/*
 * pool.c — max pooling over NCHW images, forward next to backward.
 *
 * The forward records, for every output, the index (ih·W + iw, inside its
 * (n, c) plane) of the input it copied; the backward routes each output
 * gradient back to that one input. Padding never wins: it acts as −∞
 * (PyTorch's rule; the book pads with zeros, which differs only when every
 * real input of a window is negative).
 *
 * With relu set, the pool takes the ReLU of its input first, as a ReLU layer
 * before it would (each candidate max(0, x), NaN → 0; the first maximum
 * wins ties, zeros included), and the backward sends a gradient only where
 * the output is > 0: a ReLU → MaxPool pair without the ReLU's two passes
 * over the full-size activation, bit for bit the same.
 *
 * Parallel over (n, c) planes, one contiguous range per thread; each plane of y, dx
 * and argmax is written by one thread.
 */
#include <string.h>
#include "ckernels.h"
#include "memory_bound_clones.h"
#include "parallel_ranges.h"

#define SN_POOL_PARALLEL_GRAIN 32768L


// The book's pool (2×2, stride 2, no padding) on one plane: four candidates,
// no bounds to clip. Branch-free selects (the first maximum wins ties), so
// random data costs no mispredictions and the loop over ow vectorizes.
static SN_MEMORY_BOUND_CLONES void pool2x2_plane(const float *restrict xp, float *restrict yp,
                                                 int32_t *restrict ap, int W, int OH, int OW, int relu) {
    for (int oh = 0; oh < OH; oh++) {
        const float *r0 = xp + (long)(2 * oh) * W;
        const float *r1 = r0 + W;
        const int base = 2 * oh * W;
        float *y = yp + (long)oh * OW;
        int32_t *a = ap + (long)oh * OW;
        for (int ow = 0; ow < OW; ow++) {
            float v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
            if (relu) { v0 = sn_relu_of(v0); v1 = sn_relu_of(v1); v2 = sn_relu_of(v2); v3 = sn_relu_of(v3); }
            float v = v0;
            int32_t best = base + 2 * ow;
            best = v1 > v ? base + 2 * ow + 1 : best; v = v1 > v ? v1 : v;
            best = v2 > v ? base + W + 2 * ow : best; v = v2 > v ? v2 : v;
            best = v3 > v ? base + W + 2 * ow + 1 : best; v = v3 > v ? v3 : v;
            y[ow] = v;
            a[ow] = best;
        }
    }
}

// Threads for a loop over `planes` planes costing `work`: 1 below the grain,
// else at most nthreads.
static int pool_threads(int nthreads, long planes, long work) {
    if (work < SN_POOL_PARALLEL_GRAIN || planes <= 1 || nthreads <= 1) return 1;
    return planes < nthreads ? (int)planes : nthreads;
}

// x is (N, C, H, W); y and argmax are (N, C, OH, OW).
void sn_maxpool_forward(int nthreads, const float *restrict x, float *restrict y, int32_t *restrict argmax,
                        int N, int C, int H, int W, int PH, int PW,
                        int stride, int pad, int OH, int OW, int relu) {
    const long planes = (long)N * C;
    const int nth = pool_threads(nthreads, planes, planes * OH * OW * PH * PW);
    SN_FOR_RANGES(nth, planes, p0, p1, t, {
        for (long p = p0; p < p1; p++) {
            const float *xp = x + p * H * W;
            float *yp = y + p * OH * OW;
            int32_t *ap = argmax + p * OH * OW;
            if (PH == 2 && PW == 2 && stride == 2 && pad == 0) {
                pool2x2_plane(xp, yp, ap, W, OH, OW, relu);
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
                    float best_value = relu ? sn_relu_of(xp[best]) : xp[best];
                    for (int ih = h_lo; ih < h_hi; ih++) {
                        for (int iw = w_lo; iw < w_hi; iw++) {
                            const float v = relu ? sn_relu_of(xp[ih * W + iw]) : xp[ih * W + iw];
                            if (v > best_value) { best_value = v; best = ih * W + iw; }
                        }
                    }
                    yp[oh * OW + ow] = best_value;
                    ap[oh * OW + ow] = best;
                }
            }
        }
    });
}

// dy and argmax are (N, C, OH, OW); dx (N, C, H, W) is OVERWRITTEN: zero except
// where an output took its value from, which receives the sum of those dy.
// relu_y (the forward's output when it applied the ReLU, else NULL): only
// outputs > 0 send their gradient.
void sn_maxpool_backward(int nthreads, const float *restrict dy, const int32_t *restrict argmax,
                         const float *restrict relu_y,
                         float *restrict dx, int N, int C, int H, int W, int OH, int OW) {
    const long planes = (long)N * C;
    const int nth = pool_threads(nthreads, planes, planes * (OH * OW + H * W));
    SN_FOR_RANGES(nth, planes, p0, p1, t, {
        for (long p = p0; p < p1; p++) {
            float *dxp = dx + p * H * W;
            const float *dyp = dy + p * OH * OW;
            const int32_t *ap = argmax + p * OH * OW;
            memset(dxp, 0, sizeof(float) * (size_t)H * W);
            if (relu_y) {
                const float *yp = relu_y + p * OH * OW;
                for (int i = 0; i < OH * OW; i++)
                    if (yp[i] > 0) dxp[ap[i]] += dyp[i];
            } else {
                for (int i = 0; i < OH * OW; i++) dxp[ap[i]] += dyp[i];
            }
        }
    });
}
