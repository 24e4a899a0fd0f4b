/*
 * quant_ops.c — the elementwise and pooling steps of int8 inference:
 * float → uint8 quantization of an input batch, table lookup (activations
 * that cannot fuse into a product), and max pooling on uint8.
 */
#include "ckernels.h"
#include "../parallel_ranges.h"

// Elementwise loops below this many elements run on the calling thread.
#define GRAIN (1L << 16)

void sn_quantize_u8(int nthreads, const float *restrict x, uint8_t *restrict y, long n, float inv_scale,
                    int zero_point) {
    int nth = n < GRAIN ? 1 : nthreads;
    const float lo = (float)-zero_point, hi = (float)(255 - zero_point);
    SN_FOR_RANGES(nth, n, lo_i, hi_i, t, {
        for (long i = lo_i; i < hi_i; i++) {
            float r = __builtin_rintf(x[i] * inv_scale);
            if (!(r >= lo)) r = lo;
            if (r > hi) r = hi;
            y[i] = (uint8_t)((int)r + zero_point);
        }
    });
}

void sn_lookup_u8(int nthreads, const uint8_t *restrict x, uint8_t *restrict y, long n, const uint8_t *table) {
    int nth = n < GRAIN ? 1 : nthreads;
    SN_FOR_RANGES(nth, n, lo, hi, t, {
        for (long i = lo; i < hi; i++) y[i] = table[x[i]];
    });
}

void sn_maxpool_u8_forward(int nthreads, const uint8_t *restrict x, uint8_t *restrict y, int N, int C, int H,
                           int W, int PH, int PW, int stride, int pad, int OH, int OW) {
    const long planes = (long)N * C;
    int nth = planes * OH * OW * PH * PW < GRAIN ? 1 : nthreads;
    SN_FOR_RANGES(nth, planes, lo, hi, t, {
        for (long pl = lo; pl < hi; pl++) {
            const uint8_t *xp = x + pl * H * W;
            uint8_t *yp = y + pl * OH * OW;
            if (pad == 0) {
                // Every window lies inside the image: no bounds checks.
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        const uint8_t *win = xp + (size_t)oh * stride * W + (size_t)ow * stride;
                        uint8_t best = 0;
                        if (PH == 2 && PW == 2) {
                            uint8_t a = win[0] > win[1] ? win[0] : win[1], b = win[W] > win[W + 1] ? win[W] : win[W + 1];
                            best = a > b ? a : b;
                        } else {
                            for (int ph = 0; ph < PH; ph++)
                                for (int pw = 0; pw < PW; pw++)
                                    if (win[ph * W + pw] > best) best = win[ph * W + pw];
                        }
                        yp[oh * OW + ow] = best;
                    }
                continue;
            }
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    int best = 0;
                    for (int ph = 0; ph < PH; ph++) {
                        int ih = oh * stride - pad + ph;
                        if (ih < 0 || ih >= H) continue;
                        for (int pw = 0; pw < PW; pw++) {
                            int iw = ow * stride - pad + pw;
                            if (iw < 0 || iw >= W) continue;
                            int v = xp[ih * W + iw];
                            if (v > best) best = v;
                        }
                    }
                    yp[oh * OW + ow] = (uint8_t)best;
                }
        }
    });
}
