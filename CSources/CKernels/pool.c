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
 * The book's pool (2×2, stride 2, no padding) runs in vectors of 8 or 4
 * outputs. Its backward stays a zeroing pass and a scatter: writing each
 * input's gradient (or 0) once measured slower, as the stores then read
 * every line of dx first, which the zeroing memset does not.
 *
 * Parallel over (n, c) planes, one contiguous range per thread; each plane of y, dx
 * and argmax is written by one thread.
 */
#include <string.h>
#include "ckernels.h"
#include "memory_bound_clones.h"
#include "parallel_ranges.h"

#define SN_POOL_PARALLEL_GRAIN 32768L


/* ---- the book's pool: 2×2 windows, stride 2, no padding ------------------- */

// Unaligned vectors of 4 and 8 lanes (clang/GCC vector extensions), so each
// clone of the plane loops below uses its own widest registers.
typedef float f4 __attribute__((vector_size(16), aligned(4)));
typedef float f8 __attribute__((vector_size(32), aligned(4)));
typedef float f16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t i4 __attribute__((vector_size(16), aligned(4)));
typedef int32_t i8 __attribute__((vector_size(32), aligned(4)));

#define EVEN4 0, 2, 4, 6
#define ODD4 1, 3, 5, 7
#define LANES4 0, 1, 2, 3
#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define LANES8 0, 1, 2, 3, 4, 5, 6, 7

// m ? a : b lane by lane, m all ones or all zeros: a blend, exact for any bits.
#define SELECT(F, I, m, a, b) ((F)(((I)(a) & (m)) | ((I)(b) & ~(m))))

// The outputs ow … ow + L − 1 of one row (L = 4 or 8 lanes: F, F2 hold L and
// 2L floats, I holds L indices). The two input rows are split into even and
// odd columns, then the four candidates are taken in the scalar order with
// strict > so the first maximum wins ties; the ReLU maps NaN and −0 to +0 as
// sn_relu_of does.
#define POOL2X2_FORWARD_CHUNK(F, F2, I, EVEN, ODD, LANES)                             \
    do {                                                                          \
        const F2 t_ = *(const F2 *)(r0 + 2 * ow), u_ = *(const F2 *)(r1 + 2 * ow);   \
        F c_[4] = {__builtin_shufflevector(t_, t_, EVEN), __builtin_shufflevector(t_, t_, ODD), \
                   __builtin_shufflevector(u_, u_, EVEN), __builtin_shufflevector(u_, u_, ODD)}; \
        if (relu)                                                                 \
            for (int k_ = 0; k_ < 4; k_++) c_[k_] = SELECT(F, I, c_[k_] > 0.0f, c_[k_], (F){0}); \
        const I first_ = (I){LANES} * 2 + (base + 2 * ow);                         \
        F v_ = c_[0];                                                             \
        I best_ = first_;                                                         \
        for (int k_ = 1; k_ < 4; k_++) {                                          \
            const I m_ = c_[k_] > v_;                                             \
            best_ = SELECT(I, I, m_, first_ + offset[k_], best_);                  \
            v_ = SELECT(F, I, m_, c_[k_], v_);                                     \
        }                                                                         \
        *(F *)(y + ow) = v_;                                                      \
        *(I *)(a + ow) = best_;                                                   \
    } while (0)

// Chunks of L outputs over a row of OW ≥ L: the last chunk is moved back to
// end at OW, overlapping the one before (it writes the same values again).
#define FOR_CHUNKS(L, BODY)                                                       \
    for (int ow = 0;; ow += L) {                                                  \
        if (ow > OW - L) ow = OW - L;                                             \
        BODY;                                                                     \
        if (ow == OW - L) break;                                                  \
    }

// One plane's forward. Rows shorter than 4 outputs go one output at a time.
static SN_MEMORY_BOUND_CLONES void pool2x2_plane(const float *restrict xp, float *restrict yp,
                                                 int32_t *restrict ap, int W, int OH, int OW, int relu) {
    const int32_t offset[4] = {0, 1, W, W + 1};
    for (int oh = 0; oh < OH; oh++) {
        const float *r0 = xp + (long)(2 * oh) * W;
        const float *r1 = r0 + W;
        const int base = 2 * oh * W;
        float *y = yp + (long)oh * OW;
        int32_t *a = ap + (long)oh * OW;
        if (OW >= 8) {
            FOR_CHUNKS(8, POOL2X2_FORWARD_CHUNK(f8, f16, i8, EVEN8, ODD8, LANES8))
        } else if (OW >= 4) {
            FOR_CHUNKS(4, POOL2X2_FORWARD_CHUNK(f4, f8, i4, EVEN4, ODD4, LANES4))
        } else {
            for (int ow = 0; ow < OW; ow++) {
                float c[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
                if (relu)
                    for (int k = 0; k < 4; k++) c[k] = sn_relu_of(c[k]);
                float v = c[0];
                int32_t best = base + 2 * ow;
                for (int k = 1; k < 4; k++)
                    if (c[k] > v) { v = c[k]; best = base + 2 * ow + offset[k]; }
                y[ow] = v;
                a[ow] = best;
            }
        }
    }
}

#undef FOR_CHUNKS
#undef POOL2X2_FORWARD_CHUNK
#undef SELECT

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
