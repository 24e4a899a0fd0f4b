/*
 * gemm_macro_6x16.h — the macro-kernel of the 6x16 paths (generic, AVX2),
 * one body instantiated per micro-kernel: UKERNEL is always_inline, so each
 * instruction set keeps its own loop. Included by their kernel files only.
 *
 * Walks a block in 6 x 16 tiles (a last panel of 8 columns when at most 8
 * remain), reading A or B in place where the block allows it. UKERNEL(nv,
 * rows, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n, ct): a(i,k) =
 * a[i*rs + k*cs] is (rows, kc), b(k,:) = b[k*ldb ..] is (kc, 8*nv), the C
 * tile is (m, n) (transposed if ct).
 */
#ifndef SN_GEMM_MACRO_6X16_H
#define SN_GEMM_MACRO_6X16_H

#include "gemm_internal.h"

#define SN_MR SN_GEMM_MR_6X16
#define SN_NR SN_GEMM_NR_6X16

#define SN_DEFINE_MACRO_KERNEL_6X16(NAME, ATTRIBUTE, UKERNEL)                                              \
ATTRIBUTE void NAME(const sn_gemm_block *g) {                                                              \
    const int mc = g->mc, nc = g->nc, kc = g->kc, ct = g->c_trans;                                         \
    for (int jp = 0; jp < nc;) {                                                                           \
        int w = nc - jp > SN_NR / 2 ? SN_NR : SN_NR / 2;                                                   \
        int n = sn_gemm_imin(w, nc - jp);                                                                  \
        const float *b = g->pb + (size_t)jp * kc;                                                          \
        int ldb = w;                                                                                       \
        if (g->b_direct && jp + SN_NR <= nc) b = g->b + jp, ldb = g->ldb;                                  \
        for (int ip = 0; ip < mc; ip += SN_MR) {                                                           \
            int m = sn_gemm_imin(SN_MR, mc - ip);                                                          \
            float *c = ct ? g->c + (size_t)jp * g->ldc + ip : g->c + (size_t)ip * g->ldc + jp;             \
            sn_gemm_prefetch_tile(c, g->ldc, ct ? n : m, ct ? m : n);                                      \
            if (g->a_direct && ip + SN_MR <= mc && g->rs_a != 1) {                                         \
                const float *a = g->a + (size_t)ip * g->rs_a;                                              \
                if (w == SN_NR) UKERNEL(2, SN_MR, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct); \
                else UKERNEL(1, SN_MR, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);           \
            } else {                                                                                       \
                const float *a = g->pa + (size_t)ip * kc;                                                  \
                int cs = SN_MR;                                                                            \
                if (g->a_direct && g->rs_a == 1 && (ip + SN_MR <= mc || m == 4)) a = g->a + ip, cs = g->cs_a; \
                if (m <= 4) { /* the ragged last strip: 4 rows cost 4/6 of a full one */                   \
                    if (w == SN_NR) UKERNEL(2, 4, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct); \
                    else UKERNEL(1, 4, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);           \
                } else if (w == SN_NR) {                                                                   \
                    UKERNEL(2, SN_MR, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);          \
                } else {                                                                                   \
                    UKERNEL(1, SN_MR, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);          \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        jp += w;                                                                                           \
    }                                                                                                      \
}

#endif
