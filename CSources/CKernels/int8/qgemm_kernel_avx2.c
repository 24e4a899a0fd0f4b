/*
 * qgemm_kernel_avx2.c — the int8 product on AVX2 for any int8 weights,
 * exact: 2 rows × 16 channels per tile. vpmaddubsw (u8 × s8, adjacent pairs
 * summed into a *saturating* int16) would clip 255·127·2 = 64,770; here
 * both operands are widened to int16 (vpmovzxbw / vpmovsxbw) and vpmaddwd
 * sums pairs into int32, which cannot saturate. Half vpmaddubsw's rate; the
 * path for weights whose pairs do not fit it (qgemm_kernel_avx2_pairs.c
 * takes the others), with the same integers as VNNI and the plain C path.
 */
#include "qgemm_internal.h"

#ifdef SN_QX86
#define SN_AVX2 __attribute__((target("avx2,fma,bmi,bmi2")))
#define MR 2

// Sums of a (m, 4) pair accumulator set: acc[q] holds channels 4q..4q+3 as
// two int32 partials each; returns the 16 channel sums in order.
static inline __attribute__((always_inline)) SN_AVX2 void
reduce16(const __m256i acc[4], int32_t out[16]) {
    __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[0], acc[1]), 0xD8);
    __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[2], acc[3]), 0xD8);
    _mm256_storeu_si256((__m256i *)out, lo);
    _mm256_storeu_si256((__m256i *)(out + 8), hi);
}

static inline __attribute__((always_inline)) SN_AVX2 void
tile(const int mr, int G, int K, const uint8_t *A, int lda, const int8_t *panel, __m256i acc[MR][4]) {
    for (int i = 0; i < mr; i++)
        for (int q = 0; q < 4; q++) acc[i][q] = _mm256_setzero_si256();
    for (int g = 0; g < G; g++) {
        const int8_t *w = panel + (size_t)g * 64;
        __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));
        __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16)));
        __m256i w2 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 32)));
        __m256i w3 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 48)));
        for (int i = 0; i < mr; i++) {
            uint32_t a4 = sn_qgemm_a4(A + (size_t)i * lda, g, K);
            __m256i a = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set1_epi32((int)a4)));
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(w0, a));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(w1, a));
            acc[i][2] = _mm256_add_epi32(acc[i][2], _mm256_madd_epi16(w2, a));
            acc[i][3] = _mm256_add_epi32(acc[i][3], _mm256_madd_epi16(w3, a));
        }
    }
}

SN_AVX2 void sn_qgemm_block_avx2(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                 int lda, const int8_t *panels, const sn_qgemm_output *out) {
    const int G = sn_qgemm_groups(K);
    for (int p = p0; p < p1; p++) {
        const int8_t *panel = panels + (size_t)p * G * 64;
        const int nc = N - 16 * p < 16 ? N - 16 * p : 16;
        int i0 = m0;
        if (out->pool4) {  // M and m0 are multiples of 4: two 2-row tiles per pooling window
            for (; i0 + 4 <= m1; i0 += 4) {
                __m256i acc[MR][4];
                int32_t sums[4][16];
                for (int half = 0; half < 2; half++) {
                    tile(MR, G, K, A + (size_t)(i0 + 2 * half) * lda, lda, panel, acc);
                    for (int i = 0; i < MR; i++) reduce16(acc[i], sums[2 * half + i]);
                }
                sn_qgemm_store_max4(sums, i0 / 4, 16 * p, nc, out);
            }
            continue;
        }
        for (; i0 + MR <= m1; i0 += MR) {
            __m256i acc[MR][4];
            int32_t sums[16];
            tile(MR, G, K, A + (size_t)i0 * lda, lda, panel, acc);
            for (int i = 0; i < MR; i++) {
                reduce16(acc[i], sums);
                sn_qgemm_store_row(sums, i0 + i, 16 * p, nc, out);
            }
        }
        for (; i0 < m1; i0++) {
            __m256i acc[MR][4];
            int32_t sums[16];
            tile(1, G, K, A + (size_t)i0 * lda, lda, panel, acc);
            reduce16(acc[0], sums);
            sn_qgemm_store_row(sums, i0, 16 * p, nc, out);
        }
    }
}
#endif
