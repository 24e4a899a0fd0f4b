/*
 * relu.c — ReLU and its backward over n contiguous floats:
 *
 *   forward:  y = x > 0 ? x : 0
 *   backward: dx = y > 0 ? dy : 0        (y: the forward's output)
 *
 * The passes are memory-bound, and a convolution's activations are large
 * (fast-cnn's first block: 128 × 24 × 28 × 28 floats, 9.6 MB), so above a
 * grain the elements are split between threads; each element is computed
 * alone, so any split gives the same bits. NaN maps to 0, as in the naive
 * twin (NaiveKernels.relu). y may be x and dx may be dy (no restrict).
 */
#include "ckernels.h"
#include "memory_bound_clones.h"
#include "parallel_ranges.h"

/* Below this many elements a call runs on the calling thread. */
#define SN_RELU_PARALLEL_GRAIN 65536L

static int relu_threads(int nthreads, long n) {
    return n < SN_RELU_PARALLEL_GRAIN || nthreads <= 1 ? 1 : nthreads;
}

static SN_MEMORY_BOUND_CLONES void relu_range(const float *x, float *y, long lo, long hi) {
    for (long i = lo; i < hi; i++) y[i] = sn_relu_of(x[i]);
}

static SN_MEMORY_BOUND_CLONES void relu_backward_range(const float *dy, const float *y,
                                                       float *dx, long lo, long hi) {
    for (long i = lo; i < hi; i++) dx[i] = y[i] > 0 ? dy[i] : 0.0f;
}

void sn_relu_forward(int nthreads, const float *x, float *y, long n) {
    const int nth = relu_threads(nthreads, n);
    SN_FOR_RANGES(nth, n, lo, hi, t, { relu_range(x, y, lo, hi); });
}

void sn_relu_backward(int nthreads, const float *dy, const float *y, float *dx, long n) {
    const int nth = relu_threads(nthreads, n);
    SN_FOR_RANGES(nth, n, lo, hi, t, { relu_backward_range(dy, y, dx, lo, hi); });
}
