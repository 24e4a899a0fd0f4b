/*
 * augment.c — gathering a mini-batch of byte images into floats while
 * flipping and shifting each one (data augmentation).
 *
 * Why in the gather: the batch is converted from bytes anyway, so moving
 * pixels on the way costs no extra pass and no scratch buffer. Each sample
 * gets its own transform, chosen by the caller (seeded, see
 * Sources/ScratchNet/Data/Augmentation.swift); the kernel only applies it.
 */
#include "ckernels.h"
#include "parallel_ranges.h"

// As in batch_convert.c: rows split over the threads above this many bytes.
#define SN_AUGMENT_GRAIN 32768

// out(c, y, x) = in(c, y − dy, x' − dx) with x' the column after the flip:
// flip first (x ↦ W−1−x), then shift; pixels shifted in from outside are 0.
static void transform_one(const uint8_t *restrict s, int channels, int height, int width,
                          float scale, sn_image_transform t, float *restrict d) {
    for (int c = 0; c < channels; c++) {
        const uint8_t *restrict plane = s + (size_t)c * height * width;
        float *restrict out = d + (size_t)c * height * width;
        for (int y = 0; y < height; y++) {
            float *restrict row = out + (size_t)y * width;
            int sy = y - t.dy;
            if (sy < 0 || sy >= height) {
                for (int x = 0; x < width; x++) row[x] = 0.0f;
                continue;
            }
            const uint8_t *restrict in = plane + (size_t)sy * width;
            for (int x = 0; x < width; x++) {
                int sx = x - t.dx;
                if (sx < 0 || sx >= width) { row[x] = 0.0f; continue; }
                row[x] = (float)in[t.flip ? width - 1 - sx : sx] * scale;
            }
        }
    }
}

static void augment_rows(const uint8_t *restrict src, const int32_t *restrict indices, int r0, int r1,
                         int channels, int height, int width, float scale,
                         const sn_image_transform *restrict transforms, float *restrict dst) {
    size_t n = (size_t)channels * height * width;
    for (int r = r0; r < r1; r++) {
        if (r + 4 < r1) {  // shuffled samples miss the cache; ask early (batch_convert.c)
            const uint8_t *ahead = src + (size_t)indices[r + 4] * n;
            for (size_t k = 0; k < n; k += 64) __builtin_prefetch(ahead + k, 0, 3);
        }
        transform_one(src + (size_t)indices[r] * n, channels, height, width, scale,
                      transforms[r], dst + (size_t)r * n);
    }
}

void sn_gather_bytes_augmented(int nthreads, const uint8_t *restrict src, const int32_t *restrict indices,
                               int rows, int channels, int height, int width, float scale,
                               const sn_image_transform *restrict transforms, float *restrict dst) {
    const long bytes = (long)rows * channels * height * width;
    const int nth = bytes >= SN_AUGMENT_GRAIN && rows > 1 ? nthreads : 1;
    SN_FOR_RANGES(nth, rows, r0, r1, t, {
        augment_rows(src, indices, (int)r0, (int)r1, channels, height, width, scale, transforms, dst);
    });
}
