// Softmax and the fused softmax + cross-entropy, forward next to backward.
//
// The loss is computed as logsumexp(z) - z[label] rather than
// -log(softmax(z)[label] + 1e-7): it is exact for confident predictions and
// never takes log(0). Rows are independent, so the batch is split across
// threads when it is large enough to pay for the wake-up.

#include "ckernels.h"
#include "parallel_ranges.h"
#include <math.h>

// Below this many logits (B·C) the loops stay on the calling thread.
#define SN_SOFTMAX_PARALLEL_GRAIN (1 << 15)
#define SN_SOFTMAX_MAX_THREADS 64

// Threads for a loop over B rows of C logits: at most nthreads, 1 below the
// grain size (rows are split by SN_FOR_RANGES: no `parallel for`, see
// parallel_ranges.h).
static int row_threads(int nthreads, int B, int C) {
#ifdef _OPENMP
    if ((long)B * C < SN_SOFTMAX_PARALLEL_GRAIN) return 1;
    int n = nthreads;
    if (n > B) n = B;
    if (n > SN_SOFTMAX_MAX_THREADS) n = SN_SOFTMAX_MAX_THREADS;
    return n < 1 ? 1 : n;
#else
    (void)nthreads; (void)B; (void)C;
    return 1;
#endif
}

// Writes softmax(z) of one row of length C into p; returns logsumexp(z).
static inline float softmax_row(const float *restrict z, float *restrict p, int C) {
    float maxv = z[0];
    for (int c = 1; c < C; c++) maxv = z[c] > maxv ? z[c] : maxv;
    float sum = 0.0f;
    for (int c = 0; c < C; c++) {
        float e = expf(z[c] - maxv);
        p[c] = e;
        sum += e;
    }
    float inv = 1.0f / sum;
    for (int c = 0; c < C; c++) p[c] *= inv;
    return maxv + logf(sum);
}

// logits is (B,C), probs is (B,C); they may alias (so no restrict here).
void sn_softmax_forward(int nthreads, const float *logits, float *probs, int B, int C) {
    const int nth = row_threads(nthreads, B, C);
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        for (int b = b0; b < b1; b++) {
            const float *z = logits + (size_t)b * C;
            float *p = probs + (size_t)b * C;
            if (z == p) {
                // In place: compute into the row itself, one pass at a time.
                float maxv = p[0];
                for (int c = 1; c < C; c++) maxv = p[c] > maxv ? p[c] : maxv;
                float sum = 0.0f;
                for (int c = 0; c < C; c++) { p[c] = expf(p[c] - maxv); sum += p[c]; }
                float inv = 1.0f / sum;
                for (int c = 0; c < C; c++) p[c] *= inv;
            } else {
                softmax_row(z, p, C);
            }
        }
    });
}

// logits (B,C), labels (B), probs (B,C) out. Returns the batch-mean loss.
// The loss is reduced in double, per thread then in thread order, so the
// thread count changes it only in the last bits of a value that is reported,
// never fed back into the weights.
float sn_softmax_xent_forward(int nthreads, const float *restrict logits, const int32_t *restrict labels,
                              float *restrict probs, int B, int C) {
    const int nth = row_threads(nthreads, B, C);
    double partial[SN_SOFTMAX_MAX_THREADS] = {0};
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        double sum = 0.0;
        for (int b = b0; b < b1; b++) {
            const float *z = logits + (size_t)b * C;
            float lse = softmax_row(z, probs + (size_t)b * C, C);
            sum += (double)(lse - z[labels[b]]);
        }
        partial[t] = sum;
    });
    double total = 0.0;
    for (int t = 0; t < nth; t++) total += partial[t];  // fixed order
    return (float)(total / (double)B);
}

// probs (B,C), labels (B), dlogits (B,C) out; dlogits may alias probs.
// The smoothed backward with ε = 0 (the same bits: p − 0 and t = 1 at the label).
void sn_softmax_xent_backward(int nthreads, const float *probs, const int32_t *restrict labels,
                              float *dlogits, int B, int C) {
    sn_softmax_xent_smoothed_backward(nthreads, probs, labels, dlogits, B, C, 0.0f);
}

// logits (B,C), targets (B,C) (one-hot or any distribution), probs (B,C) out.
float sn_softmax_xent_forward_onehot(int nthreads, const float *restrict logits, const float *restrict targets,
                                     float *restrict probs, int B, int C) {
    const int nth = row_threads(nthreads, B, C);
    double partial[SN_SOFTMAX_MAX_THREADS] = {0};
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        double sum = 0.0;
        for (int b = b0; b < b1; b++) {
            const float *z = logits + (size_t)b * C;
            const float *tg = targets + (size_t)b * C;
            float lse = softmax_row(z, probs + (size_t)b * C, C);
            // -Σ t·(z - lse) = lse·Σt - Σ t·z
            float tsum = 0.0f, tz = 0.0f;
            for (int c = 0; c < C; c++) { tsum += tg[c]; tz += tg[c] * z[c]; }
            sum += (double)(lse * tsum - tz);
        }
        partial[t] = sum;
    });
    double total = 0.0;
    for (int t = 0; t < nth; t++) total += partial[t];  // fixed order
    return (float)(total / (double)B);
}

// probs (B,C), targets (B,C), dlogits (B,C) out; dlogits may alias probs.
void sn_softmax_xent_backward_onehot(int nthreads, const float *probs, const float *restrict targets,
                                     float *dlogits, int B, int C) {
    const float scale = 1.0f / (float)B;
    const int nth = row_threads(nthreads, B, C);
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        for (int b = b0; b < b1; b++) {
            const float *p = probs + (size_t)b * C;
            const float *tg = targets + (size_t)b * C;
            float *d = dlogits + (size_t)b * C;
            for (int c = 0; c < C; c++) d[c] = (p[c] - tg[c]) * scale;
        }
    });
}

// Label smoothing ε: the target of row b is (1 − ε)·onehot(label) + ε/C, so
// the loss is lse − (1 − ε)·z[label] − (ε/C)·Σ z (Σ target = 1).
// logits (B,C), labels (B), probs (B,C) out. Returns the batch-mean loss.
float sn_softmax_xent_smoothed_forward(int nthreads, const float *restrict logits, const int32_t *restrict labels,
                                       float *restrict probs, int B, int C, float smoothing) {
    const int nth = row_threads(nthreads, B, C);
    const float on = 1.0f - smoothing, spread = smoothing / (float)C;
    double partial[SN_SOFTMAX_MAX_THREADS] = {0};
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        double sum = 0.0;
        for (int b = b0; b < b1; b++) {
            const float *z = logits + (size_t)b * C;
            float lse = softmax_row(z, probs + (size_t)b * C, C);
            // Σ_c t_c·(lse − z_c), each term ≥ 0: no cancellation between
            // a large lse and a large Σ z.
            float row = on * (lse - z[labels[b]]);
            for (int c = 0; c < C; c++) row += spread * (lse - z[c]);
            sum += (double)row;
        }
        partial[t] = sum;
    });
    double total = 0.0;
    for (int t = 0; t < nth; t++) total += partial[t];  // fixed order
    return (float)(total / (double)B);
}

// probs (B,C), labels (B), dlogits (B,C) out; dlogits may alias probs.
// dlogits = (p − t)/B with t = ε/C everywhere and 1 − ε + ε/C at the label.
void sn_softmax_xent_smoothed_backward(int nthreads, const float *probs, const int32_t *restrict labels,
                                       float *dlogits, int B, int C, float smoothing) {
    const float scale = 1.0f / (float)B;
    const float spread = smoothing / (float)C, at = 1.0f - smoothing + spread;
    const int nth = row_threads(nthreads, B, C);
    SN_FOR_RANGES(nth, B, b0, b1, t, {
        for (int b = b0; b < b1; b++) {
            const float *p = probs + (size_t)b * C;
            float *d = dlogits + (size_t)b * C;
            const int label = labels[b];
            const float at_label = p[label];  // read before d (which may be p) is written
            for (int c = 0; c < C; c++) d[c] = (p[c] - spread) * scale;
            d[label] = (at_label - at) * scale;  // not p·s − t·s: that cancels badly when p ≈ t
        }
    });
}
