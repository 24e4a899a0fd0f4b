/*
 * gemm_kernel_avx2.c — the AVX2+FMA micro-kernel: the generic 6 x 16 tile
 * written with intrinsics, one named variable per accumulator (12 ymm of the
 * 16, two for B, one broadcast). A compiler-generated AVX2 copy of the
 * vector-extension loop rotates its accumulators through register moves and
 * spills; this one does not. Same arithmetic per element as the generic
 * kernel's x86-64-v3 clone (one FMA per k, in k order; partial tiles through
 * sn_gemm_store_tile), so the bits match it.
 */
#include "gemm_macro_6x16.h"

#ifdef SN_X86
#define SN_AVX2 __attribute__((target("avx2,fma")))

// a(i,k) = a[i*rs + k*cs] is (rows, kc), rows 6 or 4; b(k,:) = b[k*ldb ..] is
// (kc, 8*nv); C tile is (m, n) with stride ldc (transposed if ct).
static inline __attribute__((always_inline)) SN_AVX2 void
ukernel_avx2(const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
             const float *restrict b, int ldb, float *restrict C, int ldc,
             float alpha, float beta, int m, int n, int ct) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    const size_t r1 = (size_t)rs, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
    // One k: two B vectors, `rows` broadcasts of A, 2·rows FMAs.
#define SN_UK_STEP(K)                                                                           \
    {                                                                                           \
        const float *ak = a + (size_t)(K) * cs;                                                 \
        const float *bk = b + (size_t)(K) * ldb;                                                \
        __m256 b0 = _mm256_loadu_ps(bk), b1 = b0;                                               \
        if (nv == 2) b1 = _mm256_loadu_ps(bk + 8);                                              \
        __m256 x = _mm256_broadcast_ss(ak);                                                     \
        c00 = _mm256_fmadd_ps(x, b0, c00); if (nv == 2) c01 = _mm256_fmadd_ps(x, b1, c01);      \
        x = _mm256_broadcast_ss(ak + r1);                                                       \
        c10 = _mm256_fmadd_ps(x, b0, c10); if (nv == 2) c11 = _mm256_fmadd_ps(x, b1, c11);      \
        x = _mm256_broadcast_ss(ak + r2);                                                       \
        c20 = _mm256_fmadd_ps(x, b0, c20); if (nv == 2) c21 = _mm256_fmadd_ps(x, b1, c21);      \
        x = _mm256_broadcast_ss(ak + r3);                                                       \
        c30 = _mm256_fmadd_ps(x, b0, c30); if (nv == 2) c31 = _mm256_fmadd_ps(x, b1, c31);      \
        if (rows == 6) {                                                                        \
            x = _mm256_broadcast_ss(ak + r4);                                                   \
            c40 = _mm256_fmadd_ps(x, b0, c40); if (nv == 2) c41 = _mm256_fmadd_ps(x, b1, c41);  \
            x = _mm256_broadcast_ss(ak + r5);                                                   \
            c50 = _mm256_fmadd_ps(x, b0, c50); if (nv == 2) c51 = _mm256_fmadd_ps(x, b1, c51);  \
        }                                                                                       \
    }
    // Four k per iteration: one k per iteration spends a fifth of the loop's
    // instructions on its pointer and counter updates.
    int k = 0;
    for (; k + 4 <= kc; k += 4) { SN_UK_STEP(k) SN_UK_STEP(k + 1) SN_UK_STEP(k + 2) SN_UK_STEP(k + 3) }
    for (; k < kc; k++) SN_UK_STEP(k)
#undef SN_UK_STEP
    __m256 acc[SN_GEMM_MR_6X16][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (m == SN_GEMM_MR_6X16 && n == 8 * nv && !ct) {
        for (int i = 0; i < SN_GEMM_MR_6X16; i++) {
            for (int v = 0; v < nv; v++) {
                float *c = C + (size_t)i * ldc + 8 * v;
                __m256 r = _mm256_mul_ps(va, acc[i][v]);
                if (beta != 0.0f) r = _mm256_add_ps(r, _mm256_mul_ps(vb, _mm256_loadu_ps(c)));
                _mm256_storeu_ps(c, r);
            }
        }
    } else {
        float t[SN_GEMM_MR_6X16 * 16] __attribute__((aligned(32)));
        for (int i = 0; i < SN_GEMM_MR_6X16; i++)
            for (int v = 0; v < nv; v++) _mm256_store_ps(t + i * 16 + 8 * v, acc[i][v]);
        sn_gemm_store_tile(m, n, t, 16, C, ldc, ct, alpha, beta);
    }
}

SN_DEFINE_MACRO_KERNEL_6X16(sn_gemm_macro_avx2, SN_AVX2, ukernel_avx2)
#endif
