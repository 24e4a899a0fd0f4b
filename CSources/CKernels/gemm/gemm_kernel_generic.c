/*
 * gemm_kernel_generic.c — the portable micro-kernel: a 6 x 16 tile of C on
 * 8-float vectors (GCC/Clang vector extensions), 12 accumulators.
 *
 * On x86-64 it is compiled twice (target_clones): for x86-64-v3, where each
 * `acc += a * b` is one FMA, and for the baseline (SSE2, separate multiply
 * and add: correct, slower, other bits). Other architectures get one copy
 * for the build's target. This file also holds the partial-tile store that
 * the AVX2 kernel shares.
 */
#include "gemm_macro_6x16.h"

void sn_gemm_store_tile(int m, int n, const float *restrict t, int ldt,
                        float *restrict C, int ldc, int ct, float alpha, float beta) {
    const size_t rs = ct ? 1 : (size_t)ldc, cs = ct ? (size_t)ldc : 1;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float *c = C + i * rs + j * cs;
            float s = alpha * t[i * ldt + j];
            if (beta == 0.0f) {
                *c = s;
            } else {
                float u = beta * *c;
                *c = s + u;
            }
        }
    }
}

// a(i,k) = a[i*rs + k*cs] is (rows, kc); b(k,:) = b[k*ldb ..] is (kc, 8*nv);
// C tile is (m, n) with stride ldc (transposed if ct). One multiply-add per
// k, in k order, per element.
static inline __attribute__((always_inline)) void
ukernel_generic(const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
                const float *restrict b, int ldb, float *restrict C, int ldc,
                float alpha, float beta, int m, int n, int ct) {
    v8 acc[SN_GEMM_MR_6X16][2];
    for (int i = 0; i < SN_GEMM_MR_6X16; i++) acc[i][0] = acc[i][1] = (v8){0};
    for (int k = 0; k < kc; k++) {
        v8 b0 = *(const v8u *)(b + (size_t)k * ldb);
        v8 b1 = nv == 2 ? *(const v8u *)(b + (size_t)k * ldb + 8) : b0;
        for (int i = 0; i < rows; i++) {
            v8 ai = splat8(a[(size_t)i * rs + (size_t)k * cs]);
            acc[i][0] += ai * b0;
            if (nv == 2) acc[i][1] += ai * b1;
        }
    }
    if (m == SN_GEMM_MR_6X16 && n == 8 * nv && !ct) {
        for (int i = 0; i < SN_GEMM_MR_6X16; i++) {
            for (int v = 0; v < nv; v++) {
                v8u *c = (v8u *)(C + (size_t)i * ldc + 8 * v);
                v8 s = alpha * acc[i][v];
                if (beta == 0.0f) {
                    *c = s;
                } else {
                    v8 u = beta * *c;
                    *c = s + u;
                }
            }
        }
    } else {
        float t[SN_GEMM_MR_6X16 * 16] __attribute__((aligned(32)));
        for (int i = 0; i < SN_GEMM_MR_6X16; i++)
            for (int v = 0; v < nv; v++) *(v8 *)(t + i * 16 + 8 * v) = acc[i][v];
        sn_gemm_store_tile(m, n, t, 16, C, ldc, ct, alpha, beta);
    }
}

SN_DEFINE_MACRO_KERNEL_6X16(macro_generic, static SN_CLONES, ukernel_generic)

// A plain symbol for the driver; the clone is picked inside (ifunc resolvers
// stay local to this file).
void sn_gemm_macro_generic(const sn_gemm_block *g) { macro_generic(g); }
