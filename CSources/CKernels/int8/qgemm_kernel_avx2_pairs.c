/*
 * qgemm_kernel_avx2_pairs.c — the int8 product on AVX2 for weights whose
 * adjacent pairs fit vpmaddubsw: 4 rows × 16 channels per tile, rows taken
 * in blocks that stay in L2 while every panel passes over them.
 *
 * vpmaddubsw multiplies 32 u8 activations by 32 s8 weights and sums
 * adjacent pairs into int16 with saturation; vpmaddwd by ones then sums
 * pairs of those into int32. With |w[2t]| + |w[2t+1]| <= 128 for every pair
 * (the packer checks; the quantizer writes weights in [-64, 64]) a pair sum
 * is at most 255·128 = 32,640 < 32,767: nothing saturates, the integers are
 * the exact ones of every other path, at twice the multiply-adds of the
 * widening path (qgemm_kernel_avx2.c) per instruction. Contiguous rows go
 * through a vector output stage doing the scalar stage's operations.
 */
#include "qgemm_internal.h"

#ifdef SN_QX86
#define SN_AVX2 __attribute__((target("avx2,fma,bmi,bmi2")))
#define MR 4
#define A_BLOCK (96 * 1024)  /* bytes of A rows per block: they stay in L2 while every panel passes */

// The output stage for channels j0 .. j0+n-1 (1 <= n <= 8) of row i, cs 1;
// lanes past n neither read bias and scale nor write.
static inline __attribute__((always_inline)) SN_AVX2 void
store8(__m256i acc, long i, int j0, int n, const sn_qgemm_output *o) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
    __m256i s = _mm256_add_epi32(acc, _mm256_maskload_epi32(o->bias + j0, live));
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_maskload_ps(o->scale + j0, live));
    if (o->out_u8) {
        __m256 r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        r = _mm256_max_ps(r, _mm256_set1_ps((float)(o->lo - o->zero_point)));  // NaN → lo, as the scalar stage
        r = _mm256_min_ps(r, _mm256_set1_ps((float)(255 - o->zero_point)));
        __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32(o->zero_point));
        __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i b = _mm_packus_epi16(w, w);
        uint8_t *dst = o->out_q + i * o->rs + j0;
        if (n == 8) {
            _mm_storel_epi64((__m128i *)dst, b);
        } else {
            uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(b);
            memcpy(dst, &bytes, (size_t)n);
        }
    } else {
        if (o->relu) v = _mm256_max_ps(_mm256_setzero_ps(), v);  // (0 > v) ? 0 : v keeps NaN and -0, as `if (v < 0)`
        _mm256_maskstore_ps(o->out_f + i * o->rs + j0, live, v);
    }
}

// Row i's nc channel sums (acc[0]: channels 0–7, acc[1]: 8–15) through the stage.
static inline __attribute__((always_inline)) SN_AVX2 void
store16(const __m256i acc[2], long i, int j0, int nc, const sn_qgemm_output *o) {
    if (o->cs == 1) {
        store8(acc[0], i, j0, nc < 8 ? nc : 8, o);
        if (nc > 8) store8(acc[1], i, j0 + 8, nc - 8, o);
        return;
    }
    int32_t sums[16];
    _mm256_storeu_si256((__m256i *)sums, acc[0]);
    _mm256_storeu_si256((__m256i *)(sums + 8), acc[1]);
    sn_qgemm_store_row(sums, i, j0, nc, o);
}

// acc += the pair sums of a (4 bytes broadcast) times 8 channels' 4 weights.
static inline __attribute__((always_inline)) SN_AVX2 __m256i
madd4(__m256i acc, __m256i a, __m256i w, __m256i ones) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(a, w), ones));
}

// Rows i0 .. i0+mr-1 of panel p, its channels 0–7 only when nh is 1 (a
// last panel of at most 8 channels: half the multiply-adds).
static inline __attribute__((always_inline)) SN_AVX2 void
tile(const int mr, const int nh, int i0, int p, int N, int K, const uint8_t *A, int lda, const int8_t *panels,
     const sn_qgemm_output *out) {
    const int G = sn_qgemm_groups(K), full = K / 4;
    const int8_t *w = panels + (size_t)p * G * 64;
    const uint8_t *a = A + (size_t)i0 * lda;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[MR][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    for (int g = 0; g < full; g++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 64));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 64 + 32));
        for (int i = 0; i < mr; i++) {
            int32_t a4;
            memcpy(&a4, a + (size_t)i * lda + 4 * g, 4);
            __m256i av = _mm256_set1_epi32(a4);
            acc[i][0] = madd4(acc[i][0], av, b0, ones);
            if (nh == 2) acc[i][1] = madd4(acc[i][1], av, b1, ones);
        }
    }
    if (full < G) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(w + (size_t)full * 64));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(w + (size_t)full * 64 + 32));
        for (int i = 0; i < mr; i++) {
            __m256i av = _mm256_set1_epi32((int)sn_qgemm_a4(a + (size_t)i * lda, full, K));
            acc[i][0] = madd4(acc[i][0], av, b0, ones);
            if (nh == 2) acc[i][1] = madd4(acc[i][1], av, b1, ones);
        }
    }
    const int j0 = 16 * p, nc = N - j0 < 16 ? N - j0 : 16;
    if (mr == MR && out->pool4) {  // i0 is a multiple of 4: the tile is one pooling window
        __m256i m[2];
        for (int h = 0; h < 2; h++)
            m[h] = _mm256_max_epi32(_mm256_max_epi32(acc[0][h], acc[1][h]), _mm256_max_epi32(acc[2][h], acc[3][h]));
        store16(m, i0 / 4, j0, nc, out);
        return;
    }
    for (int i = 0; i < mr; i++) store16(acc[i], i0 + i, j0, nc, out);
}

SN_AVX2 void sn_qgemm_block_avx2_pairs(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                       int lda, const int8_t *panels, const sn_qgemm_output *out) {
    const int rows = A_BLOCK / lda > MR ? A_BLOCK / lda / MR * MR : MR;
    for (int mb = m0; mb < m1; mb += rows) {
        const int me = m1 - mb < rows ? m1 : mb + rows;
        for (int p = p0; p < p1; p++) {
            int i = mb;
            if (N - 16 * p <= 8) {
                for (; i + MR <= me; i += MR) tile(MR, 1, i, p, N, K, A, lda, panels, out);
                for (; i < me; i++) tile(1, 1, i, p, N, K, A, lda, panels, out);
            } else {
                for (; i + MR <= me; i += MR) tile(MR, 2, i, p, N, K, A, lda, panels, out);
                for (; i < me; i++) tile(1, 2, i, p, N, K, A, lda, panels, out);
            }
        }
    }
}
#endif
