/*
 * gemm_gemv_avx2.c — the matrix-vector kernel of the AVX2 path (see
 * sn_gemv_block). B: up to 2 rows of A at once against up to 64 columns of
 * B in ymm accumulators, B read in place one row per k. Bᵀ (B stored (n, k)):
 * 16 columns at once, 8 k of each read as 8 rows and transposed in
 * registers, so each column still gets one FMA per k in k order. Ragged last
 * columns through masked loads and stores. Per element the 6x16 AVX2
 * micro-kernel's operations (FMA chain, then alpha, beta, bias and ReLU
 * rounded one by one): the same bits.
 */
#include "gemm_transpose8x8.h"

#ifdef SN_X86
#define SN_AVX2 __attribute__((target("avx2,fma")))

#define ROWS 2

// Lanes 0..count-1 set (count clamped to 0..8), for maskload/maskstore.
static inline __attribute__((always_inline)) SN_AVX2 __m256i lanes(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Stores row i's accumulator v (columns 8v.., `mk` lanes) as the micro-kernel
// stores a tile element, then the epilogue.
static inline __attribute__((always_inline)) SN_AVX2 void
store(const sn_gemv_block *g, __m256 acc, float *restrict c, const float *restrict bias, __m256i mk, int full) {
    __m256 s = _mm256_mul_ps(_mm256_set1_ps(g->alpha), acc);
    if (g->beta != 0.0f) {
        __m256 old = full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, mk);
        s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_set1_ps(g->beta), old));
    }
    if (g->ep) {
        s = _mm256_add_ps(s, full ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, mk));
        if (g->relu) s = _mm256_max_ps(s, _mm256_setzero_ps());  // v > 0 ? v : 0 (NaN and -0 give +0)
    }
    if (full) _mm256_storeu_ps(c, s);
    else _mm256_maskstore_ps(c, mk, s);
}

// r rows of A against nv vectors of columns of row-major B, the last vector
// `left` columns (1..8).
static inline __attribute__((always_inline)) SN_AVX2 void
rows_by_columns(const int r, const int nv, const sn_gemv_block *g, const float *restrict a,
                const float *restrict b, float *restrict c, const float *restrict bias, int left) {
    const int kc = g->kc, lda = g->lda, ldb = g->ldb;
    const __m256i mk = lanes(left);
    __m256 acc[ROWS][8];
    for (int i = 0; i < r; i++)
        for (int v = 0; v < nv; v++) acc[i][v] = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        __m256 bv[8];
        for (int v = 0; v < nv; v++)
            bv[v] = v == nv - 1 && left < 8 ? _mm256_maskload_ps(bk + 8 * v, mk) : _mm256_loadu_ps(bk + 8 * v);
        for (int i = 0; i < r; i++) {
            const __m256 x = _mm256_broadcast_ss(a + (size_t)i * lda + k);
            for (int v = 0; v < nv; v++) acc[i][v] = _mm256_fmadd_ps(x, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < r; i++)
        for (int v = 0; v < nv; v++)
            store(g, acc[i][v], c + (size_t)i * g->ldc + 8 * v, bias ? bias + 8 * v : NULL, mk,
                  v < nv - 1 || left == 8);
}

#define SN_GEMV_ROWS(R, NV)                                                                       \
    for (int j = 0; j < n; j += 8 * (NV)) {                                                       \
        const int w = n - j < 8 * (NV) ? n - j : 8 * (NV);                                        \
        const int left = w - (w - 1) / 8 * 8;                                                     \
        const float *bj = g->b + j;                                                               \
        float *cj = c + j;                                                                        \
        const float *bias = g->ep ? g->bias + j : NULL;                                           \
        switch ((w + 7) / 8) {                                                                    \
        case 1: rows_by_columns(R, 1, g, a, bj, cj, bias, left); break;                           \
        case 2: rows_by_columns(R, 2, g, a, bj, cj, bias, left); break;                           \
        case 3: rows_by_columns(R, 3, g, a, bj, cj, bias, left); break;                           \
        case 4: rows_by_columns(R, 4, g, a, bj, cj, bias, left); break;                           \
        case 5: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 5 : 1, g, a, bj, cj, bias, left); break; \
        case 6: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 6 : 1, g, a, bj, cj, bias, left); break; \
        case 7: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 7 : 1, g, a, bj, cj, bias, left); break; \
        default: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 8 : 1, g, a, bj, cj, bias, left); break; \
        }                                                                                         \
    }

// r rows of A against 16 columns of Bᵀ (b: column j at b + j*ldb), `cols`
// of them real (1..16); full: all 16 (no bounds checks).
static inline __attribute__((always_inline)) SN_AVX2 void
rows_by_tcolumns(const int r, const int full, const sn_gemv_block *g, const float *restrict a,
                 const float *restrict b, float *restrict c, const float *restrict bias, int cols) {
    const int kc = g->kc, lda = g->lda, ldb = g->ldb;
    __m256 acc[ROWS][2];
    for (int i = 0; i < r; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        for (int h = 0; h < 2; h++) {
            __m256 rw[8], t[8];
            for (int j = 0; j < 8; j++)
                rw[j] = full || 8 * h + j < cols ? _mm256_loadu_ps(b + (size_t)(8 * h + j) * ldb + k)
                                                  : _mm256_setzero_ps();
            sn_transpose8x8(rw, t);
            for (int kk = 0; kk < 8; kk++)
                for (int i = 0; i < r; i++)
                    acc[i][h] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (size_t)i * lda + k + kk), t[kk], acc[i][h]);
        }
    }
    for (; k < kc; k++) {
        float col[16] __attribute__((aligned(32)));
        for (int j = 0; j < 16; j++) col[j] = full || j < cols ? b[(size_t)j * ldb + k] : 0.0f;
        for (int h = 0; h < 2; h++) {
            const __m256 bv = _mm256_load_ps(col + 8 * h);
            for (int i = 0; i < r; i++)
                acc[i][h] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (size_t)i * lda + k), bv, acc[i][h]);
        }
    }
    for (int i = 0; i < r; i++)
        for (int h = 0; h < 2; h++) {
            const int left = full ? 8 : cols - 8 * h;
            if (left <= 0) break;
            store(g, acc[i][h], c + (size_t)i * g->ldc + 8 * h, bias ? bias + 8 * h : NULL, lanes(left), left >= 8);
        }
}

#define SN_GEMV_TROWS(R)                                                                          \
    for (int j = 0; j < n; j += 16) {                                                             \
        const float *bj = g->b + (size_t)j * g->ldb;                                              \
        const float *bias = g->ep ? g->bias + j : NULL;                                           \
        if (n - j >= 16) rows_by_tcolumns(R, 1, g, a, bj, c + j, bias, 16);                       \
        else rows_by_tcolumns(R, 0, g, a, bj, c + j, bias, n - j);                                \
    }

SN_AVX2 void sn_gemv_avx2(const sn_gemv_block *g) {
    const int n = g->n;
    for (int i0 = 0; i0 < g->m; i0 += ROWS) {
        const float *a = g->a + (size_t)i0 * g->lda;
        float *c = g->c + (size_t)i0 * g->ldc;
        if (g->trans_b) {
            if (g->m - i0 == 1) { SN_GEMV_TROWS(1) }
            else { SN_GEMV_TROWS(2) }
        } else {
            if (g->m - i0 == 1) { SN_GEMV_ROWS(1, 8) }
            else { SN_GEMV_ROWS(2, 4) }
        }
    }
}
#endif
