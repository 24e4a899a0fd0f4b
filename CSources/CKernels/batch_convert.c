/*
 * batch_convert.c — gathering a mini-batch of byte images into floats.
 *
 * A shuffled batch reads samples from random places in a large array: every
 * sample starts with cache misses the hardware prefetcher cannot foresee.
 * Each sample's lines are therefore requested a few samples ahead.
 *
 * Above a grain size the rows are cut into one contiguous range per thread
 * (at most nthreads). Each row is a plain copy, so the split cannot change a
 * value.
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

void sn_gather_bytes_to_float(int nthreads, const uint8_t *restrict src, const int32_t *restrict indices,
                              int first, int rows, int n, float scale, float *restrict dst) {
    const int nth = (long)rows * n >= SN_GATHER_GRAIN && rows > 1 ? nthreads : 1;
    SN_FOR_RANGES(nth, rows, r0, r1, t, { gather_rows(src, indices, first, (int)r0, (int)r1, n, scale, dst); });
}
