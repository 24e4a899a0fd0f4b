/*
 * qgemm_internal.h — what the int8 product's files share: the packed weight
 * layout, the per-ISA block functions and the output stage. Not part of the
 * public header.
 *
 * Packed weights (sn_qgemm_pack_weights): a 64-byte header
 * (sn_qgemm_packed_header), then the panels: channels in panels of 16, K in
 * groups of 4 (K4 = K rounded up to 4, G = K4/4 groups). Group g of panel p
 * is 64 bytes at (p·G + g)·64 past the header: channel c of the panel at
 * byte c·4, its four k values (4g .. 4g+3) next to each other. That is one
 * zmm for vpdpbusd (16 int32 lanes, each a 4-byte dot product), two ymm for
 * AVX2's vpmaddubsw and four sign-extended ymm for its vpmaddwd. Padding
 * channels and k are zero, so a padded k contributes nothing whatever the
 * activation byte there.
 */
#ifndef SN_QGEMM_INTERNAL_H
#define SN_QGEMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ckernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SN_QX86 1
#include <immintrin.h>
#endif

#define SN_QGEMM_HIDDEN __attribute__((visibility("hidden")))
#define SN_QGEMM_NR 16          /* channels per panel */
#define SN_QGEMM_MAX_K 32768    /* |Σ| < 32768·255·127 + 2^30 < 2^31 */

#define SN_QGEMM_HEADER 64      /* bytes before the first panel */

static inline int sn_qgemm_groups(int K) { return (K + 3) / 4; }

/// What the packer learned about the weights, so that a path can be chosen
/// by them: pairs_fit_int16 is 1 when |w[j,2t]| + |w[j,2t+1]| <= 128 for
/// every channel j and pair t, so that vpmaddubsw cannot saturate.
typedef struct {
    int32_t pairs_fit_int16;
} sn_qgemm_packed_header;

/// The first panel of packed weights.
static inline const int8_t *sn_qgemm_panels(const int8_t *packed) { return packed + SN_QGEMM_HEADER; }

/// Rows [m0, m1) and panels [p0, p1) of the product, through the output
/// stage; `panels` is sn_qgemm_panels(packed).
typedef void (*sn_qgemm_block_fn)(int m0, int m1, int p0, int p1, int N, int K,
                                  const uint8_t *A, int lda, const int8_t *panels,
                                  const sn_qgemm_output *out);

SN_QGEMM_HIDDEN void sn_qgemm_block_generic(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                            int lda, const int8_t *packed, const sn_qgemm_output *out);
#ifdef SN_QX86
SN_QGEMM_HIDDEN void sn_qgemm_block_avx2(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                         int lda, const int8_t *packed, const sn_qgemm_output *out);
SN_QGEMM_HIDDEN void sn_qgemm_block_avx2_pairs(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                               int lda, const int8_t *panels, const sn_qgemm_output *out);
SN_QGEMM_HIDDEN void sn_qgemm_block_avx512_vnni(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                                int lda, const int8_t *packed, const sn_qgemm_output *out);
#endif

/// The block function of `kernel` (AUTO: the CPU's best) for these packed
/// weights; the caller has checked sn_qgemm_kernel_supported.
SN_QGEMM_HIDDEN sn_qgemm_block_fn sn_qgemm_block_for(sn_qgemm_kernel kernel, const int8_t *packed);

/// The whole product through `block`, split over up to nthreads threads
/// when it is large enough (see qgemm_driver.c); `packed` starts at the header.
SN_QGEMM_HIDDEN void sn_qgemm_run(sn_qgemm_block_fn block, int nthreads, int M, int N, int K, const uint8_t *A,
                                  int lda, const int8_t *packed, const sn_qgemm_output *out);

/// Products below this many multiply-adds run on the calling thread: waking
/// a second thread costs more (measure: Benchmarks/cbench/run_latency.sh at
/// 1 and 2 threads).
#define SN_QGEMM_PAR_MNK (1L << 20)

// One image of a batched int8 convolution: its windows into `cols`, then the product.
typedef void (*sn_qconv_image_fn)(sn_qgemm_block_fn block, int nthreads, const uint8_t *x, int zp,
                                  const int8_t *packed, const sn_qgemm_output *out, uint8_t *cols,
                                  sn_conv_geometry g, int n);

// Runs `image` over the batch: images split over the threads (each with its own
// `per_thread` bytes of scratch), or, with fewer images than threads or little
// work, images in turn with each product split.
SN_QGEMM_HIDDEN void sn_qconv_images(sn_qconv_image_fn image, sn_qgemm_block_fn block, int nthreads,
                                     const uint8_t *x, int zp, const int8_t *packed, const sn_qgemm_output *out,
                                     uint8_t *scratch, size_t per_thread, sn_conv_geometry g);

/// The 4 activation bytes of group g of a row as one little-endian word;
/// bytes past K read as 0 (the row may end there).
static inline __attribute__((always_inline)) uint32_t sn_qgemm_a4(const uint8_t *row, int g, int K) {
    uint32_t v = 0;
    int k = 4 * g;
    if (k + 4 <= K) memcpy(&v, row + k, 4);
    else for (int i = 0; k + i < K; i++) v |= (uint32_t)row[k + i] << (8 * i);
    return v;
}

/// The output stage (see sn_qgemm_output) for nc channels j0 .. j0+nc-1 of
/// row i, whose sums without bias are acc[0 .. nc-1].
static inline __attribute__((always_inline)) void
sn_qgemm_store_row(const int32_t *restrict acc, long i, int j0, int nc, const sn_qgemm_output *o) {
    if (o->out_u8) {
        const float lo = (float)(o->lo - o->zero_point), hi = (float)(255 - o->zero_point);
        uint8_t *q = o->out_q + i * o->rs;
        for (int c = 0; c < nc; c++) {
            int j = j0 + c;
            float r = __builtin_rintf((float)(acc[c] + o->bias[j]) * o->scale[j]);
            if (!(r >= lo)) r = lo;
            if (r > hi) r = hi;
            q[(long)j * o->cs] = (uint8_t)((int)r + o->zero_point);
        }
    } else {
        float *f = o->out_f + i * o->rs;
        for (int c = 0; c < nc; c++) {
            int j = j0 + c;
            float v = (float)(acc[c] + o->bias[j]) * o->scale[j];
            if (o->relu && v < 0) v = 0;
            f[(long)j * o->cs] = v;
        }
    }
}

/// Output row i of a pool4 product from its four rows' sums (acc[r][c]).
static inline __attribute__((always_inline)) void
sn_qgemm_store_max4(const int32_t acc[4][16], long i, int j0, int nc, const sn_qgemm_output *o) {
    int32_t m[16];
    for (int c = 0; c < 16; c++) {
        int32_t a = acc[0][c] > acc[1][c] ? acc[0][c] : acc[1][c];
        int32_t b = acc[2][c] > acc[3][c] ? acc[2][c] : acc[3][c];
        m[c] = a > b ? a : b;
    }
    sn_qgemm_store_row(m, i, j0, nc, o);
}

#endif
