/*
 * gemm_kernel_avx512.c — the AVX-512 micro-kernel: a 12 x 32 tile of C in 24
 * zmm accumulators, with 8- and 4-row variants for the last strip (M = 25,
 * 100, ...), a 16-column variant for the last panel (N = 10, 100, ...), and
 * masked stores for ragged tiles (the same separately rounded operations as
 * full ones, so an element comes out the same whichever tile it falls in).
 * One FMA per k, in k order, per element.
 */
#include "gemm_internal.h"

#ifdef SN_X86
// Not "arch=x86-64-v4": its tuning prefers 256-bit vectors and would split
// every 512-bit operation in two.
#define SN_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe")))

#define MR SN_GEMM_MR_AVX512
#define NR SN_GEMM_NR_AVX512

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

// a(i,k) = a[i*rs + k*cs] is (mr, kc); b(k,:) = b[k*ldb ..] is (kc, 16*nv);
// C tile is (m, n) with stride ldc, m <= mr, n <= 16*nv. mr is 12, 8 or 4.
static inline __attribute__((always_inline)) SN_AVX512 void
ukernel_avx512(const int mr, const int nv, int kc, const float *restrict a, const int rs,
               const int cs, const float *restrict b, int ldb, float *restrict C, int ldc,
               float alpha, float beta, int m, int n) {
    v16 acc[MR][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = (v16){0};
    for (int k = 0; k < kc; k++) {
        v16 b0 = *(const v16u *)(b + (size_t)k * ldb);
        v16 b1 = nv == 2 ? *(const v16u *)(b + (size_t)k * ldb + 16) : b0;
        for (int i = 0; i < mr; i++) {
            v16 ai = (v16)_mm512_set1_ps(a[(size_t)i * rs + (size_t)k * cs]);  /* a broadcast, not 0 + a */
            acc[i][0] += ai * b0;
            if (nv == 2) acc[i][1] += ai * b1;
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (m == mr && n == 16 * nv) {
        for (int i = 0; i < mr; i++) {
            for (int v = 0; v < nv; v++) {
                float *c = C + (size_t)i * ldc + 16 * v;
                __m512 r = _mm512_mul_ps(va, (__m512)acc[i][v]);
                if (beta != 0.0f) r = _mm512_add_ps(r, _mm512_mul_ps(vb, _mm512_loadu_ps(c)));
                _mm512_storeu_ps(c, r);
            }
        }
    } else {
        for (int i = 0; i < mr && i < m; i++) {
            for (int v = 0; v < nv && 16 * v < n; v++) {
                int nn = n - 16 * v;
                __mmask16 mk = nn >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nn) - 1);
                float *c = C + (size_t)i * ldc + 16 * v;
                __m512 r = _mm512_mul_ps(va, (__m512)acc[i][v]);
                if (beta != 0.0f) r = _mm512_add_ps(r, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mk, c)));
                _mm512_mask_storeu_ps(c, mk, r);
            }
        }
    }
}

// One strip of rows against one panel, with the row count rounded up to 4/8/12.
static inline __attribute__((always_inline)) SN_AVX512 void
strip_avx512(const int nv, int kc, const float *restrict a, const int rs, const int cs,
             const float *restrict b, int ldb, float *restrict C, int ldc,
             float alpha, float beta, int m, int n) {
    if (m > 8) ukernel_avx512(12, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
    else if (m > 4) ukernel_avx512(8, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
    else ukernel_avx512(4, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
}

// Walks the block in 12 x 32 tiles (a last panel of 16 columns when at most
// 16 remain), reading A or B in place where the block allows it.
SN_AVX512 void sn_gemm_macro_avx512(const sn_gemm_block *g) {
    const int mc = g->mc, nc = g->nc, kc = g->kc;
    for (int jp = 0; jp < nc;) {
        int w = nc - jp > NR / 2 ? NR : NR / 2;
        int n = sn_gemm_imin(w, nc - jp);
        const float *b = g->pb + (size_t)jp * kc;
        int ldb = w;
        if (g->b_direct && jp + NR <= nc) b = g->b + jp, ldb = g->ldb;
        for (int ip = 0; ip < mc; ip += MR) {
            int m = sn_gemm_imin(MR, mc - ip);
            float *c = g->c + (size_t)ip * g->ldc + jp;
            sn_gemm_prefetch_tile(c, g->ldc, m, n);
            if (g->a_direct && ip + MR <= mc && g->rs_a != 1) {
                const float *a = g->a + (size_t)ip * g->rs_a;  // rows of A in place
                if (w == NR) ukernel_avx512(MR, 2, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
                else ukernel_avx512(MR, 1, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
            } else {
                const float *a = g->pa + (size_t)ip * kc;  // packed, or Aᵀ in place
                int cs = MR;
                if (g->a_direct && ip + MR <= mc) a = g->a + ip, cs = g->cs_a;
                if (w == NR) strip_avx512(2, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
                else strip_avx512(1, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
            }
        }
        jp += w;
    }
}
#endif
