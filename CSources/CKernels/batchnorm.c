/*
 * batchnorm.c — batch normalization over x viewed as (N, C, S): channel c
 * holds the N·S values x[n, c, s]; S = 1 for dense inputs (per feature),
 * S = H·W for images (per channel, as BatchNorm2d).
 *
 *   training:  mean, biased variance per channel; xhat = (x − mean)·invStd,
 *              invStd = 1/√(var + eps), y = gamma·xhat + beta; running
 *              statistics ← momentum·running + (1 − momentum)·batch.
 *              Only mean and invStd are kept: the backward recomputes xhat
 *              from x with the same two roundings, which costs less than
 *              writing xhat out and reading it back (and saves its memory).
 *   inference: y = scale·x + shift, scale = gamma/√(runVar + eps),
 *              shift = beta − scale·runMean
 *   backward:  dbeta = Σ dy, dgamma = Σ dy·xhat,
 *              dx = gamma·invStd·(dy − mean(dy) − xhat·mean(dy·xhat))
 *
 * With relu set, y = max(0, ·) in both forwards, and the backward first
 * zeroes dy where gamma·xhat + beta ≤ 0: batch normalization and the ReLU
 * after it in one pass each way, equal bit for bit to the two layers apart.
 * The backward recomputes that pre-activation from xhat instead of reading
 * the output, so it must round as the forward did: both use fmaf, one
 * rounding on every CPU and in every clone.
 *
 * Sums run in 16 lanes (lane j takes the elements j, j + 16, … of each run)
 * added in a fixed tree at the end, so AVX2, AVX-512 and any thread count
 * give the same bits. Channels are split between threads; each channel is
 * one thread's from start to end.
 */
#include <math.h>
#include "ckernels.h"
#include "memory_bound_clones.h"
#include "parallel_ranges.h"

#define LANES 16
/* Below this many values a call runs on the calling thread. */
#define SN_BN_PARALLEL_GRAIN 32768L

static inline float tree16(const float *a) {
    float q[8];
    for (int j = 0; j < 8; j++) q[j] = a[j] + a[j + 8];
    for (int j = 0; j < 4; j++) q[j] = q[j] + q[j + 4];
    return (q[0] + q[2]) + (q[1] + q[3]);
}

static int bn_threads(int nthreads, long channels, long values) {
    if (values < SN_BN_PARALLEL_GRAIN || channels <= 1 || nthreads <= 1) return 1;
    return channels < nthreads ? (int)channels : nthreads;
}

// gamma·xhat + beta, rounded once: what the forward writes and what the
// fused backward's mask recomputes.
static inline float scale_shift(float g, float h, float b) { return fmaf(g, h, b); }

/* ---- images: one channel, N runs of S contiguous values -------------------- */

// Σ over the channel's N runs of S values (run n at a + n·stride) of
// a[i] (SUM) or (a[i] − shift)² (SQUARES).
enum { SUM, SQUARES };
#define CHANNEL_SUM_LOOP(TERM)                                                  \
    for (long n = 0; n < N; n++) {                                              \
        const float *p = a + n * stride;                                        \
        long s = 0;                                                             \
        for (; s + LANES <= S; s += LANES)                                      \
            for (int j = 0; j < LANES; j++) { const long i = s + j; acc[j] += TERM; } \
        for (int j = 0; s + j < S; j++) { const long i = s + j; acc[j] += TERM; } \
    }
static SN_MEMORY_BOUND_CLONES float channel_sum(int kind, const float *restrict a, long N, long S, long stride, float shift) {
    float acc[LANES] = {0};
    if (kind == SUM) { CHANNEL_SUM_LOOP(p[i]) }
    else { CHANNEL_SUM_LOOP((p[i] - shift) * (p[i] - shift)) }
    return tree16(acc);
}
#undef CHANNEL_SUM_LOOP

// xhat of one value: what the forward normalizes with, rounded the same way.
static inline float normalized(float x, float mean, float inv) { return (x - mean) * inv; }

// dy, zeroed where the fused ReLU's output was 0. Both values are loaded
// before the choice, so the loops vectorize with a blend.
static inline float masked_dy(float dy, float g, float h, float b) { return scale_shift(g, h, b) > 0 ? dy : 0.0f; }
#define MASKED_DY(i) masked_dy(p[i], g, h, b)

// Σ dy and Σ dy·xhat over one channel in one pass over dy and x (dy masked
// by the fused ReLU when relu is set), in the lanes and order of channel_sum.
#define CHANNEL_SUMS_DY_LOOP(DY)                                                \
    for (long n = 0; n < N; n++) {                                              \
        const float *p = dy + n * stride, *q = x + n * stride;                  \
        long s = 0;                                                             \
        for (; s + LANES <= S; s += LANES)                                      \
            for (int j = 0; j < LANES; j++) {                                   \
                const long i = s + j; const float h = normalized(q[i], mean, inv); \
                const float d = DY;                                             \
                acc[j] += d; accx[j] = fmaf(d, h, accx[j]);                     \
            }                                                                   \
        for (int j = 0; s + j < S; j++) {                                       \
            const long i = s + j; const float h = normalized(q[i], mean, inv);  \
            const float d = DY;                                                 \
            acc[j] += d; accx[j] = fmaf(d, h, accx[j]);                         \
        }                                                                       \
    }
static SN_MEMORY_BOUND_CLONES void channel_sums_dy(const float *restrict dy, const float *restrict x,
                                                   long N, long S, long stride, float mean, float inv,
                                                   float g, float b, int relu, float *sdy, float *sdyx) {
    float acc[LANES] = {0}, accx[LANES] = {0};
    if (relu) { CHANNEL_SUMS_DY_LOOP(MASKED_DY(i)) }
    else { CHANNEL_SUMS_DY_LOOP(p[i]) }
    *sdy = tree16(acc);
    *sdyx = tree16(accx);
}
#undef CHANNEL_SUMS_DY_LOOP

#define CHANNEL_NORMALIZE_LOOP(OUT)                                             \
    for (long n = 0; n < N; n++) {                                              \
        const float *p = x + n * stride;                                        \
        float *o = y + n * stride;                                              \
        for (long s = 0; s < S; s++) {                                          \
            const float v = normalized(p[s], mean, inv);                        \
            o[s] = OUT;                                                         \
        }                                                                       \
    }
static SN_MEMORY_BOUND_CLONES void channel_normalize(const float *restrict x, float *restrict y,
                                                     long N, long S, long stride, float mean, float inv, float g, float b,
                                                     int relu) {
    if (relu) { CHANNEL_NORMALIZE_LOOP(sn_relu_of(scale_shift(g, v, b))) }
    else { CHANNEL_NORMALIZE_LOOP(scale_shift(g, v, b)) }
}
#undef CHANNEL_NORMALIZE_LOOP

#define CHANNEL_AFFINE_LOOP(OUT)                                                \
    for (long n = 0; n < N; n++) {                                              \
        const float *p = x + n * stride;                                        \
        float *o = y + n * stride;                                              \
        for (long s = 0; s < S; s++) o[s] = OUT;                                \
    }
static SN_MEMORY_BOUND_CLONES void channel_affine(const float *restrict x, float *restrict y, long N, long S, long stride,
                                                  float scale, float shift, int relu) {
    if (relu) { CHANNEL_AFFINE_LOOP(sn_relu_of(scale * p[s] + shift)) }
    else { CHANNEL_AFFINE_LOOP(scale * p[s] + shift) }
}
#undef CHANNEL_AFFINE_LOOP

#define CHANNEL_DX_LOOP(DY)                                                     \
    for (long n = 0; n < N; n++) {                                              \
        const float *p = dy + n * stride, *q = x + n * stride;                  \
        float *o = dx + n * stride;                                             \
        for (long i = 0; i < S; i++) {                                          \
            const float h = normalized(q[i], mean, inv);                        \
            o[i] = k * fmaf(-h, mdx, DY - mdy);                                 \
        }                                                                       \
    }
static SN_MEMORY_BOUND_CLONES void channel_dx(const float *restrict dy, const float *restrict x, float *restrict dx,
                                              long N, long S, long stride, float mean, float inv,
                                              float k, float mdy, float mdx, float g, float b, int relu) {
    if (relu) { CHANNEL_DX_LOOP(MASKED_DY(i)) }
    else { CHANNEL_DX_LOOP(p[i]) }
}
#undef CHANNEL_DX_LOOP
#undef MASKED_DY

/* ---- dense (S = 1): up to 16 neighbouring channels, one row at a time ------ */

// Sums over the N rows of w ≤ 16 channels starting at a (row stride C):
// of a, or of (a − shift)² when shift is not NULL.
static SN_MEMORY_BOUND_CLONES void columns_sum(const float *restrict a, const float *restrict shift,
                                               long N, long C, int w, float *restrict out) {
    float acc[LANES] = {0};
    for (long n = 0; n < N; n++) {
        const float *p = a + n * C;
        for (int j = 0; j < w; j++) acc[j] += shift ? (p[j] - shift[j]) * (p[j] - shift[j]) : p[j];
    }
    for (int j = 0; j < w; j++) out[j] = acc[j];
}

// dy (of column j, whose xhat is h) zeroed where the fused ReLU's output was 0.
static inline float dense_dy(float dy, float h, const float *g, const float *b, int relu, int j) {
    return relu ? masked_dy(dy, g[j], h, b[j]) : dy;
}

// Σ dy and Σ dy·xhat over the N rows of w ≤ 16 channels (dy masked when relu).
static SN_MEMORY_BOUND_CLONES void columns_sums_dy(const float *restrict dy, const float *restrict x,
                                                   const float *restrict mean, const float *restrict inv,
                                                   const float *restrict g, const float *restrict b, int relu,
                                                   long N, long C, int w, float *restrict sdy, float *restrict sdyx) {
    float acc[LANES] = {0}, accx[LANES] = {0};
    for (long n = 0; n < N; n++)
        for (int j = 0; j < w; j++) {
            const long i = n * C + j;
            const float h = normalized(x[i], mean[j], inv[j]);
            const float d = dense_dy(dy[i], h, g, b, relu, j);
            acc[j] += d;
            accx[j] = fmaf(d, h, accx[j]);
        }
    for (int j = 0; j < w; j++) { sdy[j] = acc[j]; sdyx[j] = accx[j]; }
}

/* ---- entry points ----------------------------------------------------------- */

void sn_batchnorm_training_forward(int nthreads, const float *restrict x, int N, int C, int S,
                                   const float *restrict gamma, const float *restrict beta, float eps, float momentum,
                                   float *restrict running_mean, float *restrict running_var,
                                   float *restrict batch_mean, float *restrict inv_std, float *restrict y, int relu) {
    const float count = (float)((long)N * S);
    const long stride = (long)C * S;
    if (S == 1) {
        const long blocks = (C + LANES - 1) / LANES;
        const int nth = bn_threads(nthreads, blocks, (long)N * C);
        SN_FOR_RANGES(nth, blocks, lo, hi, t, {
            for (long blk = lo; blk < hi; blk++) {
                const int c0 = (int)blk * LANES, w = C - c0 < LANES ? C - c0 : LANES;
                float mean[LANES], var[LANES];
                columns_sum(x + c0, NULL, N, C, w, mean);
                for (int j = 0; j < w; j++) mean[j] /= count;
                columns_sum(x + c0, mean, N, C, w, var);
                for (int j = 0; j < w; j++) {
                    var[j] /= count;
                    inv_std[c0 + j] = 1.0f / sqrtf(var[j] + eps);
                    batch_mean[c0 + j] = mean[j];
                }
                for (long n = 0; n < N; n++)
                    for (int j = 0; j < w; j++) {
                        const long i = n * C + c0 + j;
                        const float h = normalized(x[i], mean[j], inv_std[c0 + j]);
                        const float v = scale_shift(gamma[c0 + j], h, beta[c0 + j]);
                        y[i] = relu ? sn_relu_of(v) : v;
                    }
                for (int j = 0; j < w; j++) {
                    running_mean[c0 + j] = momentum * running_mean[c0 + j] + (1 - momentum) * mean[j];
                    running_var[c0 + j] = momentum * running_var[c0 + j] + (1 - momentum) * var[j];
                }
            }
        });
        return;
    }
    const int nth = bn_threads(nthreads, C, (long)N * stride);
    SN_FOR_RANGES(nth, C, lo, hi, t, {
        for (long c = lo; c < hi; c++) {
            const float *xc = x + c * S;
            const float mean = channel_sum(SUM, xc, N, S, stride, 0) / count;
            const float var = channel_sum(SQUARES, xc, N, S, stride, mean) / count;
            const float inv = 1.0f / sqrtf(var + eps);
            inv_std[c] = inv;
            batch_mean[c] = mean;
            channel_normalize(xc, y + c * S, N, S, stride, mean, inv, gamma[c], beta[c], relu);
            running_mean[c] = momentum * running_mean[c] + (1 - momentum) * mean;
            running_var[c] = momentum * running_var[c] + (1 - momentum) * var;
        }
    });
}

void sn_batchnorm_inference_forward(int nthreads, const float *restrict x, int N, int C, int S,
                                    const float *restrict gamma, const float *restrict beta, float eps,
                                    const float *restrict running_mean, const float *restrict running_var,
                                    float *restrict y, int relu) {
    const long stride = (long)C * S;
    if (S == 1) {
        for (int c0 = 0; c0 < C; c0 += LANES) {
            const int w = C - c0 < LANES ? C - c0 : LANES;
            float scale[LANES], shift[LANES];
            for (int j = 0; j < w; j++) {
                scale[j] = gamma[c0 + j] / sqrtf(running_var[c0 + j] + eps);
                shift[j] = beta[c0 + j] - scale[j] * running_mean[c0 + j];
            }
            for (long n = 0; n < N; n++)
                for (int j = 0; j < w; j++) {
                    const float v = scale[j] * x[n * C + c0 + j] + shift[j];
                    y[n * C + c0 + j] = relu ? sn_relu_of(v) : v;
                }
        }
        return;
    }
    const int nth = bn_threads(nthreads, C, (long)N * stride);
    SN_FOR_RANGES(nth, C, lo, hi, t, {
        for (long c = lo; c < hi; c++) {
            const float scale = gamma[c] / sqrtf(running_var[c] + eps);
            channel_affine(x + c * S, y + c * S, N, S, stride, scale, beta[c] - scale * running_mean[c], relu);
        }
    });
}

void sn_batchnorm_backward(int nthreads, const float *restrict dy, const float *restrict x,
                           const float *restrict batch_mean, const float *restrict inv_std, const float *restrict gamma,
                           const float *restrict beta, int relu, int N, int C, int S,
                           float *restrict dgamma, float *restrict dbeta, float *restrict dx) {
    const float count = (float)((long)N * S);
    const long stride = (long)C * S;
    if (S == 1) {
        const long blocks = (C + LANES - 1) / LANES;
        const int nth = bn_threads(nthreads, blocks, (long)N * C);
        SN_FOR_RANGES(nth, blocks, lo, hi, t, {
            for (long blk = lo; blk < hi; blk++) {
                const int c0 = (int)blk * LANES, w = C - c0 < LANES ? C - c0 : LANES;
                float sdy[LANES], sdyx[LANES];
                columns_sums_dy(dy + c0, x + c0, batch_mean + c0, inv_std + c0, gamma + c0, beta + c0, relu, N, C, w,
                                sdy, sdyx);
                for (int j = 0; j < w; j++) { dbeta[c0 + j] = sdy[j]; dgamma[c0 + j] = sdyx[j]; }
                if (!dx) continue;
                for (long n = 0; n < N; n++)
                    for (int j = 0; j < w; j++) {
                        const long i = n * C + c0 + j;
                        const float k = gamma[c0 + j] * inv_std[c0 + j];
                        const float h = normalized(x[i], batch_mean[c0 + j], inv_std[c0 + j]);
                        const float d = dense_dy(dy[i], h, gamma + c0, beta + c0, relu, j);
                        dx[i] = k * fmaf(-h, sdyx[j] / count, d - sdy[j] / count);
                    }
            }
        });
        return;
    }
    const int nth = bn_threads(nthreads, C, (long)N * stride);
    SN_FOR_RANGES(nth, C, lo, hi, t, {
        for (long c = lo; c < hi; c++) {
            float sdy, sdyx;
            channel_sums_dy(dy + c * S, x + c * S, N, S, stride, batch_mean[c], inv_std[c], gamma[c], beta[c], relu,
                            &sdy, &sdyx);
            dbeta[c] = sdy;
            dgamma[c] = sdyx;
            if (dx) channel_dx(dy + c * S, x + c * S, dx + c * S, N, S, stride, batch_mean[c], inv_std[c],
                               gamma[c] * inv_std[c], sdy / count, sdyx / count, gamma[c], beta[c], relu);
        }
    });
}
