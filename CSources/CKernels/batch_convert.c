/*
 * batch_convert.c — gathering a mini-batch of byte images into floats.
 *
 * Why C: a shuffled batch reads 100 samples of 784 bytes from random places
 * in a 47 MB array. Every sample starts with cache misses the hardware
 * prefetcher cannot foresee; the Swift loop (vectorized fine) spent ~73 % of
 * its time on the first load of each sample and the conversion was ~11 % of
 * a two-layer training step (perf, 1 thread). Swift has no prefetch
 * intrinsic; here each sample's lines are requested a few samples ahead.
 * Measured on Fashion-MNIST's 60 000 × 784 bytes, batches of 100 in shuffled
 * order: ~85 µs per batch without prefetch, ~23 µs with it (distance 2 to
 * 16 and the t0/nta hints all within noise of each other).
 *
 * With more than one kernel thread the rows are cut into one contiguous
 * range per thread (above a grain size): at 2 threads the gather was ~7 % of
 * a two-layer step left on the calling thread (perf), enough on its own to
 * cap the step's speed-up near 1.8×. Each row is a plain copy, so the split
 * cannot change a value.
 */
#include "ckernels.h"
#include "parallel_ranges.h"

// Below this many bytes a batch is converted on the calling thread (waking
// the other thread costs a few µs, a 16 KB conversion about as much).
#define SN_GATHER_GRAIN 32768

// How many samples ahead to prefetch: enough to cover DRAM latency (~100 ns)
// with a 784-byte conversion taking ~60 ns.
#define SN_GATHER_AHEAD 4

// dst (rows, n) = src[indices[r]·n + k] · scale. indices may be NULL: rows
// first..first+rows-1 in order (then only the prefetch differs).
static void gather_rows(const uint8_t *restrict src, const int32_t *restrict indices,
                        int first, int r0, int r1, int n, float scale, float *restrict dst) {
    for (int r = r0; r < r1; r++) {
        if (indices && r + SN_GATHER_AHEAD < r1) {
            const uint8_t *ahead = src + (size_t)indices[r + SN_GATHER_AHEAD] * n;
            for (int k = 0; k < n; k += 64) __builtin_prefetch(ahead + k, 0, 3);
            __builtin_prefetch(ahead + n - 1, 0, 3);
        }
        size_t row = indices ? (size_t)indices[r] : (size_t)first + r;
        const uint8_t *restrict s = src + row * n;
        float *restrict d = dst + (size_t)r * n;
        for (int k = 0; k < n; k++) d[k] = (float)s[k] * scale;
    }
}

void sn_gather_bytes_to_float(const uint8_t *restrict src, const int32_t *restrict indices,
                              int first, int rows, int n, float scale, float *restrict dst) {
    const int nth = (long)rows * n >= SN_GATHER_GRAIN && rows > 1 ? sn_get_num_threads() : 1;
    SN_FOR_RANGES(nth, rows, r0, r1, t, { gather_rows(src, indices, first, (int)r0, (int)r1, n, scale, dst); });
}
