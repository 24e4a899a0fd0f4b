/*
 * gemm_gemv_avx512.c — the matrix-vector kernel of the AVX-512 path (see
 * sn_gemv_block): up to 4 rows of A at once against up to 128 columns of B
 * held in zmm accumulators, B read in place one row per k, the ragged last
 * columns through masked loads and stores. Per element the AVX-512
 * micro-kernel's operations: one FMA per k in k order, then alpha, beta,
 * bias and ReLU rounded one by one, so the bits are the micro-kernel's.
 * Bᵀ goes to the AVX2 kernel's in-register transposes (same bits: one FMA
 * per k on every FMA path).
 */
#include "gemm_internal.h"

#ifdef SN_X86
#define SN_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe")))

// Rows per pass and vectors per pass: 4 x 4 or 2 x 8 zmm accumulators.
#define ROWS 4

// r rows of A (a, lda) against nv vectors of columns of B (b, ldb), the last
// vector's lanes `last`; C (c, ldc) and bias start at the first column.
static inline __attribute__((always_inline)) SN_AVX512 void
rows_by_columns(const int r, const int nv, const sn_gemv_block *g, const float *restrict a,
                const float *restrict b, float *restrict c, const float *restrict bias, __mmask16 last) {
    const int kc = g->kc, lda = g->lda, ldb = g->ldb;
    __m512 acc[ROWS][8];
    for (int i = 0; i < r; i++)
        for (int v = 0; v < nv; v++) acc[i][v] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        __m512 bv[8];
        for (int v = 0; v < nv; v++)
            bv[v] = v == nv - 1 ? _mm512_maskz_loadu_ps(last, bk + 16 * v) : _mm512_loadu_ps(bk + 16 * v);
        for (int i = 0; i < r; i++) {
            const __m512 x = _mm512_set1_ps(a[(size_t)i * lda + k]);
            for (int v = 0; v < nv; v++) acc[i][v] = _mm512_fmadd_ps(x, bv[v], acc[i][v]);
        }
    }
    const __m512 va = _mm512_set1_ps(g->alpha), vb = _mm512_set1_ps(g->beta), zero = _mm512_setzero_ps();
    for (int i = 0; i < r; i++) {
        float *ci = c + (size_t)i * g->ldc;
        for (int v = 0; v < nv; v++) {
            const __mmask16 mk = v == nv - 1 ? last : (__mmask16)0xFFFF;
            __m512 s = _mm512_mul_ps(va, acc[i][v]);
            if (g->beta != 0.0f) s = _mm512_add_ps(s, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mk, ci + 16 * v)));
            if (g->ep) {
                s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mk, bias + 16 * v));
                if (g->relu) s = _mm512_max_ps(s, zero);  // v > 0 ? v : 0 (NaN and -0 give +0)
            }
            _mm512_mask_storeu_ps(ci + 16 * v, mk, s);
        }
    }
}

// r rows (constant) over all columns: passes of w = 16·NV columns, the last
// with ceil(left / 16) vectors.
#define SN_GEMV_ROWS(R, NV)                                                                       \
    for (int j = 0; j < n; j += 16 * (NV)) {                                                      \
        const int left = n - j < 16 * (NV) ? n - j : 16 * (NV);                                   \
        const __mmask16 last = left % 16 ? (__mmask16)((1u << (left % 16)) - 1) : (__mmask16)0xFFFF; \
        const float *bj = g->b + j;                                                               \
        float *cj = c + j;                                                                        \
        const float *bias = g->ep ? g->bias + j : NULL;                                           \
        switch ((left + 15) / 16) {                                                               \
        case 1: rows_by_columns(R, 1, g, a, bj, cj, bias, last); break;                           \
        case 2: rows_by_columns(R, 2, g, a, bj, cj, bias, last); break;                           \
        case 3: rows_by_columns(R, 3, g, a, bj, cj, bias, last); break;                           \
        case 4: rows_by_columns(R, 4, g, a, bj, cj, bias, last); break;                           \
        case 5: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 5 : 1, g, a, bj, cj, bias, last); break; \
        case 6: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 6 : 1, g, a, bj, cj, bias, last); break; \
        case 7: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 7 : 1, g, a, bj, cj, bias, last); break; \
        default: if ((NV) > 4) rows_by_columns(R, (NV) > 4 ? 8 : 1, g, a, bj, cj, bias, last); break; \
        }                                                                                         \
    }

SN_AVX512 void sn_gemv_avx512(const sn_gemv_block *g) {
    if (g->trans_b) {
        sn_gemv_avx2(g);
        return;
    }
    const int n = g->n;
    for (int i0 = 0; i0 < g->m; i0 += ROWS) {
        const float *a = g->a + (size_t)i0 * g->lda;
        float *c = g->c + (size_t)i0 * g->ldc;
        switch (g->m - i0) {
        case 1: SN_GEMV_ROWS(1, 8) break;
        case 2: SN_GEMV_ROWS(2, 8) break;
        case 3: SN_GEMV_ROWS(3, 4) break;
        default: SN_GEMV_ROWS(4, 4) break;
        }
    }
}
#endif
