/*
 * gemm_gemv_generic.c — the matrix-vector kernel of the generic path (see
 * sn_gemv_block), on 8-float vectors (GCC/Clang vector extensions): up to 2
 * rows of A at once against 32 columns of B, B read in place; the ragged
 * last vector, and Bᵀ's columns, gathered per k.
 *
 * Compiled as the generic micro-kernel is (target_clones x86-64-v3 and
 * baseline) and written with the same expressions (`acc += a * b`, then
 * alpha·acc and beta·C in separate statements), so each clone rounds as the
 * micro-kernel's clone does: FMA on x86-64-v3, a multiply and an add below.
 */
#include "gemm_internal.h"

#define ROWS 2
#define NV 4

// Finishes one element from its sum t (the micro-kernel's store, then the epilogue).
static inline __attribute__((always_inline)) float finish(const sn_gemv_block *g, float t, const float *c, int j) {
    float s = g->alpha * t;
    if (g->beta != 0.0f) {
        float u = g->beta * *c;
        s = s + u;
    }
    if (g->ep) {
        float v = s + g->bias[j];
        s = g->relu ? (v > 0.0f ? v : 0.0f) : v;
    }
    return s;
}

// One k of B for the vectors of a pass: row k of B (b, at columns 8v..)
// or, for Bᵀ, column k of its rows (b + j*ldb); the last vector's `left`
// lanes (1..8) real, the others 0.
static inline __attribute__((always_inline)) void b_vector(const sn_gemv_block *g, const float *restrict b, int k,
                                                           int v, int nv, int left, v8 *x) {
    const int cols = v == nv - 1 ? left : 8;
    if (!g->trans_b && cols == 8) {
        *x = *(const v8u *)(b + (size_t)k * g->ldb + 8 * v);
        return;
    }
    *x = (v8){0};
    for (int l = 0; l < cols; l++)
        (*x)[l] = g->trans_b ? b[(size_t)(8 * v + l) * g->ldb + k] : b[(size_t)k * g->ldb + 8 * v + l];
}

// r rows of A against nv vectors of columns (the last `left` wide) at b
// (Bᵀ: b is column 0's row); C and the bias from column j0.
static inline __attribute__((always_inline)) void
rows_by_columns(const int r, const int nv, const sn_gemv_block *g, const float *restrict a,
                const float *restrict b, float *restrict c, int j0, int left) {
    v8 acc[ROWS][NV];
    for (int i = 0; i < r; i++)
        for (int v = 0; v < nv; v++) acc[i][v] = (v8){0};
    for (int k = 0; k < g->kc; k++) {
        v8 bv[NV];
        for (int v = 0; v < nv; v++) b_vector(g, b, k, v, nv, left, &bv[v]);
        for (int i = 0; i < r; i++) {
            v8 ai = splat8(a[(size_t)i * g->lda + k]);
            for (int v = 0; v < nv; v++) acc[i][v] += ai * bv[v];
        }
    }
    for (int i = 0; i < r; i++) {
        float *ci = c + (size_t)i * g->ldc;
        for (int v = 0; v < nv; v++) {
            const int cols = v == nv - 1 ? left : 8;
            for (int l = 0; l < cols; l++) {
                float *p = ci + 8 * v + l;
                *p = finish(g, acc[i][v][l], p, j0 + 8 * v + l);
            }
        }
    }
}

// r rows (constant) over all columns, NV vectors at a time.
static inline __attribute__((always_inline)) void rows_by_all_columns(const int r, const sn_gemv_block *g,
                                                                      const float *restrict a, float *restrict c) {
    for (int j = 0; j < g->n; j += 8 * NV) {
        const int w = g->n - j < 8 * NV ? g->n - j : 8 * NV, nv = (w + 7) / 8, left = w - (nv - 1) * 8;
        const float *b = g->trans_b ? g->b + (size_t)j * g->ldb : g->b + j;
        switch (nv) {
        case 1: rows_by_columns(r, 1, g, a, b, c + j, j, left); break;
        case 2: rows_by_columns(r, 2, g, a, b, c + j, j, left); break;
        case 3: rows_by_columns(r, 3, g, a, b, c + j, j, left); break;
        default: rows_by_columns(r, 4, g, a, b, c + j, j, left); break;
        }
    }
}

SN_CLONES void sn_gemv_generic(const sn_gemv_block *g) {
    for (int i0 = 0; i0 < g->m; i0 += ROWS) {
        const float *a = g->a + (size_t)i0 * g->lda;
        float *c = g->c + (size_t)i0 * g->ldc;
        if (g->m - i0 == 1) rows_by_all_columns(1, g, a, c);
        else rows_by_all_columns(2, g, a, c);
    }
}
