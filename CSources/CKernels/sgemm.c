/*
 * sgemm.c — C = alpha·op(A)·op(B) + beta·C, single precision, row-major.
 *
 * GotoBLAS/BLIS structure:
 *   for jc in N step NC:              B block (KC x NC) packed once, reused by every A block
 *     for pc in K step KC:            one K block; its sum is added to C in K order
 *       pack B block -> NR-wide column micro-panels (k-major)
 *       for ic in M step MC:          A block (MC x KC) packed, stays in L2
 *         pack A block -> MR-tall row micro-panels (k-major)
 *         macro-kernel: every (MR x NR) tile of C gets MR·NR dot products of
 *         length KC from a register-blocked micro-kernel.
 *
 * Two instruction-set paths, picked once at run time in one binary:
 *   - AVX-512 (x86-64-v4): 12x32 micro-kernel, 24 zmm accumulators.
 *   - generic: 6x16 micro-kernel on 8-float vectors, compiled with
 *     target_clones for x86-64-v3 (AVX2+FMA: 12 ymm accumulators) and the
 *     baseline (SSE2, correct but slower).
 *
 * Determinism: every element of C is summed by one thread, in K order,
 * K-blocked by a KC that depends on K only; threads split M or N, never K.
 * So the same inputs give bit-identical C for any thread count (on a given
 * instruction-set path).
 *
 * No heap: packing buffers are static, one set per thread (SN_GEMM_MAX_THREADS).
 * A spin lock serialises concurrent callers, since they would share them.
 */
#include <stdatomic.h>
#include <stddef.h>
#include "ckernels.h"

#ifdef _OPENMP
int omp_get_thread_num(void);
int omp_get_num_threads(void);
#endif

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SN_X86 1
#endif

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// ---------------------------------------------------------------------------
// Sizes.
// KC: a B micro-panel (KC x 32 floats = 32 KB at KC=256) plus an A micro-panel
//     (12 x KC) stay in the 48 KB L1 while one tile is computed.
// MC: the packed A block (MC x KC = 192 KB) lives in the 1 MB L2.
// NC: the packed B block (KC x NC = 1 MB) lives in L2/L3 and is reused by
//     every A block.
#define SN_GEMM_MAX_THREADS 16
#define KC 256
#define MC 192   // multiple of both MRs (12 and 6)
#define NC 1024  // multiple of both NRs (32 and 16)
#define MR_Z 12  // AVX-512 micro-kernel: 12 rows x 32 columns
#define NR_Z 32
#define MR_G 6   // generic micro-kernel: 6 rows x 16 columns
#define NR_G 16
#define MR_MAX 12

// Below this many flops a product runs on the calling thread: waking a
// second thread costs a few microseconds.
#define PAR_FLOPS 4.0e6

static float pack_a_buf[SN_GEMM_MAX_THREADS][MC * KC] __attribute__((aligned(64)));
static float pack_b_buf[SN_GEMM_MAX_THREADS][KC * NC] __attribute__((aligned(64)));
static atomic_flag pack_busy = ATOMIC_FLAG_INIT;

static inline int imin(int a, int b) { return a < b ? a : b; }

// ---------------------------------------------------------------------------
// Packing.

// op(A) block rows [0,mc) x cols [0,kc) -> ceil(mc/mr) panels, each (kc, mr):
// pa[p*mr*kc + k*mr + i] = op(A)[p*mr + i][k]; rows past mc are zero.
// A points at op(A)[0][0]; op(A)[i][k] is A[i*lda+k] (or A[k*lda+i] if trans).
static void pack_a(int trans, const float *restrict A, int lda, int mc, int kc,
                   int mr, float *restrict pa) {
    for (int ip = 0; ip < mc; ip += mr) {
        int m = imin(mr, mc - ip);
        float *restrict dst = pa + (size_t)ip * kc;
        if (trans) {
            for (int k = 0; k < kc; k++) {
                const float *restrict src = A + (size_t)k * lda + ip;
                for (int i = 0; i < m; i++) dst[k * mr + i] = src[i];
                for (int i = m; i < mr; i++) dst[k * mr + i] = 0.0f;
            }
        } else {
            for (int i = 0; i < m; i++) {
                const float *restrict src = A + (size_t)(ip + i) * lda;
                for (int k = 0; k < kc; k++) dst[k * mr + i] = src[k];
            }
            for (int i = m; i < mr; i++)
                for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.0f;
        }
    }
}

// op(B) block rows [0,kc) x cols [0,nc) -> column panels of width nr, except
// a last panel of width nr/2 when at most nr/2 columns remain (less padding
// for N = 10, 30, 100 ...). Panel starting at column jp holds
// pb[jp*kc + k*w + j] = op(B)[k][jp + j]; columns past nc are zero.
// op(B)[k][j] is B[k*ldb+j] (or B[j*ldb+k] if trans).
static void pack_b(int trans, const float *restrict B, int ldb, int kc, int nc,
                   int nr, float *restrict pb) {
    for (int jp = 0; jp < nc;) {
        int w = nc - jp > nr / 2 ? nr : nr / 2;
        int n = imin(w, nc - jp);
        float *restrict dst = pb + (size_t)jp * kc;
        if (trans) {
            for (int j = 0; j < n; j++) {
                const float *restrict src = B + (size_t)(jp + j) * ldb;
                for (int k = 0; k < kc; k++) dst[k * w + j] = src[k];
            }
            for (int j = n; j < w; j++)
                for (int k = 0; k < kc; k++) dst[k * w + j] = 0.0f;
        } else {
            for (int k = 0; k < kc; k++) {
                const float *restrict src = B + (size_t)k * ldb + jp;
                for (int j = 0; j < n; j++) dst[k * w + j] = src[j];
                for (int j = n; j < w; j++) dst[k * w + j] = 0.0f;
            }
        }
        jp += w;
    }
}

// ---------------------------------------------------------------------------
// Tile store shared by both paths, for partial tiles: c = alpha*t + beta*c,
// with the same separately rounded operations as the vector stores below, so
// an element comes out the same whether its tile is full or partial.
// t is (m, ldt); C is (m, n) with row stride ldc.
static void store_tile(int m, int n, const float *restrict t, int ldt,
                       float *restrict C, int ldc, float alpha, float beta) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float s = alpha * t[i * ldt + j];
            if (beta == 0.0f) {
                C[(size_t)i * ldc + j] = s;
            } else {
                float u = beta * C[(size_t)i * ldc + j];
                C[(size_t)i * ldc + j] = s + u;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// AVX-512 path: 12 x (16*nv) tile, nv = 2 (32 columns) or 1 (16 columns).
#ifdef SN_X86
#define SN_AVX512 __attribute__((target("arch=x86-64-v4")))

// pa is (kc, 12), pb is (kc, 16*nv); C tile is (m, n) with stride ldc.
static inline __attribute__((always_inline)) SN_AVX512 void
ukernel_z(const int nv, int kc, const float *restrict pa, const float *restrict pb,
          float *restrict C, int ldc, float alpha, float beta, int m, int n) {
    v16 acc[MR_Z][2];
    for (int i = 0; i < MR_Z; i++) acc[i][0] = acc[i][1] = (v16){0};
    for (int k = 0; k < kc; k++) {
        v16 b0 = *(const v16 *)(pb + k * 16 * nv);
        v16 b1 = nv == 2 ? *(const v16 *)(pb + k * 32 + 16) : b0;
        for (int i = 0; i < MR_Z; i++) {
            v16 a = (v16){0} + pa[k * MR_Z + i];
            acc[i][0] += a * b0;
            if (nv == 2) acc[i][1] += a * b1;
        }
    }
    if (m == MR_Z && n == 16 * nv) {
        for (int i = 0; i < MR_Z; i++) {
            for (int v = 0; v < nv; v++) {
                v16u *c = (v16u *)(C + (size_t)i * ldc + 16 * v);
                v16 s = alpha * acc[i][v];
                if (beta == 0.0f) {
                    *c = s;
                } else {
                    v16 u = beta * *c;
                    *c = s + u;
                }
            }
        }
    } else {
        float t[MR_Z * 32] __attribute__((aligned(64)));
        for (int i = 0; i < MR_Z; i++)
            for (int v = 0; v < nv; v++) *(v16 *)(t + i * 32 + 16 * v) = acc[i][v];
        store_tile(m, n, t, 32, C, ldc, alpha, beta);
    }
}

// pa: packed A block (mc rows), pb: packed B block (nc columns); C is (mc, nc).
static SN_AVX512 void macro_z(int mc, int nc, int kc, const float *restrict pa,
                              const float *restrict pb, float *restrict C, int ldc,
                              float alpha, float beta) {
    for (int jp = 0; jp < nc;) {
        int w = nc - jp > 16 ? 32 : 16;
        int n = imin(w, nc - jp);
        for (int ip = 0; ip < mc; ip += MR_Z) {
            int m = imin(MR_Z, mc - ip);
            float *c = C + (size_t)ip * ldc + jp;
            if (w == 32)
                ukernel_z(2, kc, pa + (size_t)ip * kc, pb + (size_t)jp * kc, c, ldc, alpha, beta, m, n);
            else
                ukernel_z(1, kc, pa + (size_t)ip * kc, pb + (size_t)jp * kc, c, ldc, alpha, beta, m, n);
        }
        jp += w;
    }
}
#endif

// ---------------------------------------------------------------------------
// Generic path: 6 x (8*nv) tile on 8-float vectors, nv = 2 or 1.
#if defined(SN_X86) && !defined(SN_GEMM_FORCE_BASELINE)
#define SN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SN_CLONES
#endif

// pa is (kc, 6), pb is (kc, 8*nv); C tile is (m, n) with stride ldc.
static inline __attribute__((always_inline)) void
ukernel_g(const int nv, int kc, const float *restrict pa, const float *restrict pb,
          float *restrict C, int ldc, float alpha, float beta, int m, int n) {
    v8 acc[MR_G][2];
    for (int i = 0; i < MR_G; i++) acc[i][0] = acc[i][1] = (v8){0};
    for (int k = 0; k < kc; k++) {
        v8 b0 = *(const v8 *)(pb + k * 8 * nv);
        v8 b1 = nv == 2 ? *(const v8 *)(pb + k * 16 + 8) : b0;
        for (int i = 0; i < MR_G; i++) {
            v8 a = (v8){0} + pa[k * MR_G + i];
            acc[i][0] += a * b0;
            if (nv == 2) acc[i][1] += a * b1;
        }
    }
    if (m == MR_G && n == 8 * nv) {
        for (int i = 0; i < MR_G; i++) {
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
        float t[MR_G * 16] __attribute__((aligned(32)));
        for (int i = 0; i < MR_G; i++)
            for (int v = 0; v < nv; v++) *(v8 *)(t + i * 16 + 8 * v) = acc[i][v];
        store_tile(m, n, t, 16, C, ldc, alpha, beta);
    }
}

static SN_CLONES void macro_g(int mc, int nc, int kc, const float *restrict pa,
                              const float *restrict pb, float *restrict C, int ldc,
                              float alpha, float beta) {
    for (int jp = 0; jp < nc;) {
        int w = nc - jp > 8 ? 16 : 8;
        int n = imin(w, nc - jp);
        for (int ip = 0; ip < mc; ip += MR_G) {
            int m = imin(MR_G, mc - ip);
            float *c = C + (size_t)ip * ldc + jp;
            if (w == 16)
                ukernel_g(2, kc, pa + (size_t)ip * kc, pb + (size_t)jp * kc, c, ldc, alpha, beta, m, n);
            else
                ukernel_g(1, kc, pa + (size_t)ip * kc, pb + (size_t)jp * kc, c, ldc, alpha, beta, m, n);
        }
        jp += w;
    }
}

// ---------------------------------------------------------------------------
// Driver.

typedef void (*macro_fn)(int, int, int, const float *, const float *, float *, int,
                         float, float);
typedef struct { int mr, nr; macro_fn macro; } gemm_isa;

static gemm_isa pick_isa(void) {
#if defined(SN_X86) && !defined(SN_GEMM_FORCE_GENERIC) && !defined(SN_GEMM_FORCE_BASELINE)
    if (__builtin_cpu_supports("x86-64-v4")) return (gemm_isa){MR_Z, NR_Z, macro_z};
#endif
    return (gemm_isa){MR_G, NR_G, macro_g};
}

// K-block length: K split into equal blocks of at most KC (K = 257 -> 129 + 128,
// not 256 + 1). Depends on K only, which keeps sums thread-count independent.
static int k_block(int K) {
    int nb = (K + KC - 1) / KC;
    return (K + nb - 1) / nb;
}

// One thread's share: C (M, N) += ... with the packing buffers of `slot`.
// A, B, C already point at this share's first row/column.
static void gemm_serial(const gemm_isa *isa, int ta, int tb, int M, int N, int K,
                        float alpha, const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc, int slot) {
    float *pa = pack_a_buf[slot], *pb = pack_b_buf[slot];
    int kcb = k_block(K);
    for (int jc = 0; jc < N; jc += NC) {
        int nc = imin(NC, N - jc);
        for (int pc = 0; pc < K; pc += kcb) {
            int kc = imin(kcb, K - pc);
            const float *b = tb ? B + (size_t)jc * ldb + pc : B + (size_t)pc * ldb + jc;
            pack_b(tb, b, ldb, kc, nc, isa->nr, pb);
            float beta_k = pc == 0 ? beta : 1.0f;  // later K blocks accumulate
            for (int ic = 0; ic < M; ic += MC) {
                int mc = imin(MC, M - ic);
                const float *a = ta ? A + (size_t)pc * lda + ic : A + (size_t)ic * lda + pc;
                pack_a(ta, a, lda, mc, kc, isa->mr, pa);
                isa->macro(mc, nc, kc, pa, pb, C + (size_t)ic * ldc + jc, ldc, alpha, beta_k);
            }
        }
    }
}

#ifdef _OPENMP
// Thread t of T takes a contiguous range of MR-row (or NR-column) strips.
static void gemm_part(const gemm_isa *isa, int split_m, int t, int T, int ta, int tb,
                      int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc) {
    int unit = split_m ? isa->mr : isa->nr;
    int units = ((split_m ? M : N) + unit - 1) / unit;
    int u0 = (int)((long)units * t / T), u1 = (int)((long)units * (t + 1) / T);
    int lo = u0 * unit, hi = imin(u1 * unit, split_m ? M : N);
    if (lo >= hi) return;
    if (split_m) {
        const float *a = ta ? A + lo : A + (size_t)lo * lda;
        gemm_serial(isa, ta, tb, hi - lo, N, K, alpha, a, lda, B, ldb, beta,
                    C + (size_t)lo * ldc, ldc, t);
    } else {
        const float *b = tb ? B + (size_t)lo * ldb : B + lo;
        gemm_serial(isa, ta, tb, M, hi - lo, K, alpha, A, lda, b, ldb, beta, C + lo, ldc, t);
    }
}

#endif

// C is (M, N): C = beta*C (beta == 0 writes zeros, ignoring NaNs in C).
static void scale_c(int M, int N, float beta, float *restrict C, int ldc) {
    for (int i = 0; i < M; i++) {
        float *restrict c = C + (size_t)i * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < N; j++) c[j] = 0.0f;
        else
            for (int j = 0; j < N; j++) c[j] *= beta;
    }
}

// op(A) is (M, K), op(B) is (K, N), C is (M, N).
void sn_sgemm(int trans_a, int trans_b, int M, int N, int K,
              float alpha, const float *A, int lda,
              const float *B, int ldb,
              float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        if (beta != 1.0f) scale_c(M, N, beta, C, ldc);
        return;
    }
    while (atomic_flag_test_and_set_explicit(&pack_busy, memory_order_acquire)) {
        // another thread is inside sn_sgemm and owns the packing buffers
    }
    static gemm_isa isa;  // picked on the first call, under the lock
    if (!isa.macro) isa = pick_isa();
    const gemm_isa *ip = &isa;
    int nth = 1;
#ifdef _OPENMP
    if (2.0 * M * N * K >= PAR_FLOPS) nth = imin(sn_get_num_threads(), SN_GEMM_MAX_THREADS);
#endif
    int mt = (M + ip->mr - 1) / ip->mr, nt = (N + ip->nr - 1) / ip->nr;
    int split_m = mt >= nt;  // split the dimension with more strips
    if (nth > (split_m ? mt : nt)) nth = split_m ? mt : nt;
    if (nth <= 1) {
        gemm_serial(ip, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 0);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
        {
            int T = omp_get_num_threads();  // may be fewer than asked (nesting)
            if (T > SN_GEMM_MAX_THREADS) T = SN_GEMM_MAX_THREADS;
            int t = omp_get_thread_num();
            if (t < T)
                gemm_part(ip, split_m, t, T, trans_a, trans_b, M, N, K, alpha, A, lda,
                          B, ldb, beta, C, ldc);
        }
#endif
    }
    atomic_flag_clear_explicit(&pack_busy, memory_order_release);
}
