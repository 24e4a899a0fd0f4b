/*
 * sgemm.c — C = alpha·op(A)·op(B) + beta·C, single precision, row-major.
 *
 * GotoBLAS/BLIS structure:
 *   for jc in N step NC:              B block (KC x NC), reused by every A block
 *     for pc in K step KC:            one K block; its sum is added to C in K order
 *       pack B block -> NR-wide column micro-panels (k-major)
 *       for ic in M step MC:          A block (MC x KC), stays in L2
 *         pack A block -> MR-tall row micro-panels (k-major)
 *         macro-kernel: every (MR x NR) tile of C gets MR·NR dot products of
 *         length KC from a register-blocked micro-kernel.
 *
 * Small products (M·N·K <= DIRECT_MNK: every training shape of an MLP or a
 * small conv net) skip most packing: the micro-kernel reads A in place
 * through (row, column) strides, whichever of A/Aᵀ is stored, and B in place
 * when it is not transposed. Only the ragged last strip/panel is packed
 * (zero-padded). At these sizes packing cost as much as the arithmetic.
 *
 * Few columns (N <= SMALL_N, e.g. a 10-class head) on the 6x16 paths: the
 * driver computes Cᵀ = op(B)ᵀ·op(A)ᵀ with the same blocking and stores each
 * tile transposed, so the many rows fill the 16-wide panels instead of 10
 * columns filling 10 of 16 lanes (100x10x100: 0.82-0.96x OpenBLAS before,
 * 1.12-1.28x after, AVX2 EPYC, 1 thread). Same bits either way.
 *
 * Three instruction-set paths, picked once at run time in one binary:
 *   - AVX-512: 12x32 micro-kernel, 24 zmm accumulators; 8- and 4-row
 *     variants for the last strip (M = 25, 100), a 16-column variant for
 *     the last panel (N = 10, 100), masked stores for ragged tiles.
 *     Zen 4/5 and recent Intel run 512-bit FMAs at full rate here: on the
 *     development machine (Zen 5) this path is ~2x the AVX2 peak.
 *   - AVX2+FMA: the same 6x16 tile written with intrinsics (12 ymm
 *     accumulators in named variables); A/B read in place only for small
 *     products (or Aᵀ).
 *   - generic: 6x16 micro-kernel on 8-float vectors, compiled with
 *     target_clones for x86-64-v3 and the baseline (SSE2, correct but
 *     slower). Other architectures get only this one, compiled for the
 *     build's target.
 *
 * Threads (OpenMP, only when 2·M·N·K >= PAR_FLOPS): the C matrix is cut into
 * one contiguous range of MR-row strips (or NR-column panels) per thread,
 * whichever dimension shares out more evenly (split_imbalance). On the M
 * split the team packs each B block once, together, into a shared buffer
 * (gemm_team_shared_b); on the N split each thread runs the serial algorithm
 * above on its columns with its own packing buffers.
 * Never K: so each element of C is summed by one thread, in K order, with K
 * blocks that depend on K only, and C is bit-identical for any thread count
 * (on a given instruction-set path) and from run to run.
 *
 * No heap: packing buffers are static, SN_GEMM_MAX_THREADS sets of 2.2 MB
 * of .bss (untouched pages cost nothing). Each call takes as many free sets
 * ("slots") as it wants threads, by compare-and-swap on a bitmask, so
 * concurrent callers (e.g. hyperparameter trials on separate threads) each
 * get their own buffers and run side by side; a caller waits only when all
 * slots are taken, and gets fewer threads when only some are free (results
 * do not depend on the thread count).
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
#include <immintrin.h>
#endif

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// ---------------------------------------------------------------------------
// Sizes (measured on Zen 5: 48 KB L1d, 1 MB L2 per core, shared L3).
// KC: long K blocks amortise loading/storing the 12x32 C tile (24 zmm);
//     512 beat 256 by ~12% on 1024^3 although a B micro-panel (KC x 32 =
//     64 KB) then streams from L2 rather than sitting in L1.
// MC: the packed A block (MC x KC = 192 KB) stays in the 1 MB L2.
// NC: the packed B block (KC x NC = 2 MB) lives in L2/L3, reused by every
//     A block; 512 was ~6% slower, 2048 no faster.
#define SN_GEMM_MAX_THREADS 16
// K blocks are also the blocks of every sum: each adds its partial sums into C
// in K order. One KC on every path keeps the results bit-identical across
// instruction sets (and so the same trained weights on any FMA machine). On
// the AVX2 EPYC, 1024 was 1.03–1.05× on the K = 784 products (one pass of C
// fewer; paired, session 7) but is not taken there alone, which would change
// only the AVX2 bits: take it on every path once measured on AVX-512.
#ifndef KC
#define KC 512
#endif
#ifndef MC
#define MC 96    // multiple of both MRs (12 and 6)
#endif
#ifndef NC
#define NC 1024  // multiple of both NRs (32 and 16)
#endif
// The AVX2 path's NC: its CPUs (Zen 3 here) have 512 KB of L2. Paired, 1
// thread, 2048²: 512 was 1.045× 1024 (quartiles 0.995–1.08), 256 0.94×;
// 2 threads and the batch-1000 inference product: no difference.
#ifndef NC_H
#define NC_H 512
#endif
#define MR_Z 12  // AVX-512 micro-kernel: 12 rows x 32 columns
#define NR_Z 32
#define MR_G 6   // generic micro-kernel: 6 rows x 16 columns
#define NR_G 16
#define MR_MAX 12

// Below this many flops a product runs on the calling thread: waking a
// second thread costs a few microseconds, and under CPU contention small
// parallel regions collapse (spinning threads wait for descheduled ones).
// 2 MFLOP products (the batch-1000 head 1000×10×100, 100×100×100) ran
// 1.12–1.68× as fast on 2 threads as on 1 (paired, AVX2 EPYC); the batch-100
// heads (0.2 MFLOP) stay serial. Training's thread governor falls back to 1
// thread under contention.
#define PAR_FLOPS 2.0e6
// Up to this M·N·K, read A (and B if not transposed) in place; above it,
// packing pays for itself (and avoids cache-set conflicts of long strides).
#define DIRECT_MNK 48.0e6
#define DIRECT_SMALL_H 4.0e6
// Products with at most this many columns run transposed (sgemm_driver).
#ifndef SMALL_N
#define SMALL_N 12
#endif
#ifdef SN_GEMM_DEV
#include <stdlib.h>
#endif

// +8: pack_a6_rows stores 2 floats past a strip.
static float pack_a_buf[SN_GEMM_MAX_THREADS][MC * KC + 8] __attribute__((aligned(64)));
static float pack_b_buf[SN_GEMM_MAX_THREADS][KC * NC] __attribute__((aligned(64)));
static _Atomic unsigned slots_in_use;  // bit s set: pack_*_buf[s] is taken

// Takes up to `want` free slots (at least one) and returns them as a bitmask.
static unsigned acquire_slots(int want) {
    for (;;) {
        unsigned used = atomic_load_explicit(&slots_in_use, memory_order_relaxed);
        unsigned take = 0;
        for (int s = 0, n = 0; s < SN_GEMM_MAX_THREADS && n < want; s++)
            if (!(used & (1u << s))) { take |= 1u << s; n++; }
        if (take != 0 &&
            atomic_compare_exchange_weak_explicit(&slots_in_use, &used, used | take,
                                                  memory_order_acquire, memory_order_relaxed))
            return take;
    }
}

static void release_slots(unsigned taken) {
    atomic_fetch_and_explicit(&slots_in_use, ~taken, memory_order_release);
}

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

// Development switches (builds with -DSN_GEMM_DEV only; see SPEED-NOTES.md).
static inline int gemm_dev_flag(const char *name) {
#ifdef SN_GEMM_DEV
    const char *v = getenv(name);
    return v != NULL && atoi(v) != 0;
#else
    (void)name;
    return 0;
#endif
}

// ---------------------------------------------------------------------------
// Packing.

#ifdef SN_X86
// pack_a (below) for row-major A and 6-row strips with AVX2: its scalar loop
// stores one float per cycle at a 24-byte stride, ~12 % of a batch-100
// forward product (N = 100 reuses each packed A block only 100 times).
// Here 8 k at a time: load 8 floats of each of the 6 rows, transpose 8x8
// (two zero rows), store the 8 columns of 8 floats at 6-float steps, each
// store's 2 trailing zeros overwritten by the next (the last one writes 2
// floats past the strip: pack_a_buf has the slack). Copies only: the packed
// values are the scalar loop's.
// Transposes the 8x8 block whose rows are r[0..7]: c[k] = (r0[k], ..., r7[k]).
__attribute__((target("avx2"))) static inline void transpose8x8(const __m256 r[8], __m256 c[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    c[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    c[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    c[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    c[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    c[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    c[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    c[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    c[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

__attribute__((target("avx2"))) static void pack_a6_rows(const float *restrict A, int lda,
                                                          int kc, float *restrict dst) {
    const float *row[6];
    for (int i = 0; i < 6; i++) row[i] = A + (size_t)i * lda;
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r[8], c[8];
        for (int i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(row[i] + k);
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8x8(r, c);
        float *d = dst + (size_t)k * 6;
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + 6 * j, c[j]);  // in order: each overwrites 2 zeros
    }
    for (; k < kc; k++)
        for (int i = 0; i < 6; i++) dst[(size_t)k * 6 + i] = row[i][k];
}

// pack_b (below) for Bᵀ (B stored (N, K)) and full 16-column panels with AVX2, for
// the same reason: 8 columns x 8 k per 8x8 transpose, stored 8 floats at a
// time at 16-float steps. dst[k*16 + j] = B[j*ldb + k].
__attribute__((target("avx2"))) static void pack_b16_trans(const float *restrict B, int ldb,
                                                            int kc, float *restrict dst) {
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        for (int h = 0; h < 16; h += 8) {
            __m256 r[8], c[8];
            for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(B + (size_t)(h + j) * ldb + k);
            transpose8x8(r, c);
            float *d = dst + (size_t)k * 16 + h;
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + 16 * j, c[j]);
        }
    }
    for (; k < kc; k++)
        for (int j = 0; j < 16; j++) dst[(size_t)k * 16 + j] = B[(size_t)j * ldb + k];
}

// pack_b (below) for row-major B and full 16-column panels: two vector
// copies per k. The plain loop compiled to a memcpy call per 64-byte row,
// ~10 % of a batch-100 forward product at 2 threads.
__attribute__((target("avx2"))) static void pack_b16_rows(const float *restrict B, int ldb,
                                                           int kc, float *restrict dst) {
    for (int k = 0; k < kc; k++) {
        const float *s = B + (size_t)k * ldb;
        _mm256_storeu_ps(dst + (size_t)k * 16, _mm256_loadu_ps(s));
        _mm256_storeu_ps(dst + (size_t)k * 16 + 8, _mm256_loadu_ps(s + 8));
    }
}

// pack_a_bytes (below) for a full 6-row strip: 8 bytes of each row widened
// to floats and scaled, then the same 8x8 transpose and overlapping stores
// as pack_a6_rows. (float)x · scale is the conversion sn_gather_bytes_to_float
// does, so the packed values are those of converting first. ahead > 0: also
// asks for the same columns `ahead` rows further on, one line per row every
// 64 bytes. Streaming a 10 000-image test set (7.8 MB, from L3 or memory), the
// bytes path went from 1.04–1.09x to 1.13–1.17x of converting first with 12
// rows (two strips) ahead; 6 and 24 measured the same.
__attribute__((target("avx2"))) static void pack_a6_bytes(const uint8_t *restrict A, int lda, int kc,
                                                           float scale, float *restrict dst, int ahead) {
    const uint8_t *row[6];
    for (int i = 0; i < 6; i++) row[i] = A + (size_t)i * lda;
    const __m256 vs = _mm256_set1_ps(scale);
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r[8], c[8];
        if (ahead && (k & 63) == 0)
            for (int i = 0; i < 6; i++) __builtin_prefetch(row[i] + (size_t)ahead * lda + k, 0, 3);
        for (int i = 0; i < 6; i++) {
            __m128i x = _mm_loadl_epi64((const __m128i *)(row[i] + k));
            r[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(x)), vs);
        }
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8x8(r, c);
        float *d = dst + (size_t)k * 6;
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + 6 * j, c[j]);
    }
    for (; k < kc; k++)
        for (int i = 0; i < 6; i++) dst[(size_t)k * 6 + i] = (float)row[i][k] * scale;
}
#endif

// op(A) block rows [0,mc) x cols [0,kc) -> ceil(mc/mr) panels, each (kc, mr):
// pa[ip*kc + k*mr + i] = op(A)[ip + i][k] for strips ip = from, from+mr, ...;
// rows past mc are zero. op(A)[i][k] is A[i*lda+k] (or A[k*lda+i] if trans).
// SN_NO_LIBC_COPIES: ragged strips/panels copy a few floats per k, which
// clang turned into a memcpy and a memset call each (~10 % of a 100×10×100
// product); plain stores are cheaper at that length.
#if defined(__clang__)
#define SN_NO_LIBC_COPIES __attribute__((no_builtin("memcpy", "memset", "memmove")))
#else
#define SN_NO_LIBC_COPIES
#endif

SN_NO_LIBC_COPIES static void pack_a(int trans, const float *restrict A, int lda, int mc, int kc,
                   int mr, int from, float *restrict pa) {
#ifdef SN_X86
    const int pack_avx2 = __builtin_cpu_supports("avx2") && !gemm_dev_flag("SN_NO_PACK_AVX2");
#endif
    for (int ip = from; ip < mc; ip += mr) {
        int m = imin(mr, mc - ip);
        float *restrict dst = pa + (size_t)ip * kc;
        if (trans) {
            for (int k = 0; k < kc; k++) {
                const float *restrict src = A + (size_t)k * lda + ip;
                for (int i = 0; i < m; i++) dst[k * mr + i] = src[i];
                for (int i = m; i < mr; i++) dst[k * mr + i] = 0.0f;
            }
        } else {
#ifdef SN_X86
            if (mr == 6 && m == 6 && pack_avx2) {
                pack_a6_rows(A + (size_t)ip * lda, lda, kc, dst);
                continue;
            }
#endif
            for (int i = 0; i < m; i++) {
                const float *restrict src = A + (size_t)(ip + i) * lda;
                for (int k = 0; k < kc; k++) dst[k * mr + i] = src[k];
            }
            for (int i = m; i < mr; i++)
                for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.0f;
        }
    }
}

// pack_a for A given as row-major bytes: A[i][k] = scale · X[i*ldx + k].
// Why: a network's first Affine layer at inference reads uint8 images. Converting
// a batch-1000 of 784-pixel images to floats first wrote 3.1 MB (past L2) that
// the packing then read back; packing from the bytes reads 0.8 MB.
static void pack_a_bytes(const uint8_t *restrict X, int ldx, int mc, int kc, int mr, float scale,
                         float *restrict pa) {
#ifdef SN_X86
    const int pack_avx2 = __builtin_cpu_supports("avx2") && !gemm_dev_flag("SN_NO_PACK_AVX2");
#endif
    for (int ip = 0; ip < mc; ip += mr) {
        int m = imin(mr, mc - ip);
        float *restrict dst = pa + (size_t)ip * kc;
#ifdef SN_X86
        if (mr == 6 && m == 6 && pack_avx2) {
            // Prefetch only rows inside this block: X may end with it.
            pack_a6_bytes(X + (size_t)ip * ldx, ldx, kc, scale, dst, ip + 6 + 12 <= mc ? 12 : 0);
            continue;
        }
#endif
        for (int i = 0; i < m; i++) {
            const uint8_t *restrict src = X + (size_t)(ip + i) * ldx;
            for (int k = 0; k < kc; k++) dst[k * mr + i] = (float)src[k] * scale;
        }
        for (int i = m; i < mr; i++)
            for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.0f;
    }
}

// op(B) block rows [0,kc) x cols [0,nc) -> column panels of width nr, except
// a last panel of width nr/2 when at most nr/2 columns remain (less padding
// for N = 10, 30, 100 ...). Panels starting at columns jp in [from, to)
// (from a multiple of nr) hold pb[jp*kc + k*w + j] = op(B)[k][jp + j];
// columns past nc are zero. op(B)[k][j] is B[k*ldb+j] (or B[j*ldb+k] if trans).
SN_NO_LIBC_COPIES static void pack_b(int trans, const float *restrict B, int ldb, int kc, int nc,
                   int nr, int from, int to, float *restrict pb) {
#ifdef SN_X86
    const int pack_avx2 = __builtin_cpu_supports("avx2") && !gemm_dev_flag("SN_NO_PACK_AVX2");
#endif
    for (int jp = from; jp < to;) {
        int w = nc - jp > nr / 2 ? nr : nr / 2;
        int n = imin(w, nc - jp);
        float *restrict dst = pb + (size_t)jp * kc;
#ifdef SN_X86
        if (w == 16 && n == 16 && pack_avx2) {
            if (trans) pack_b16_trans(B + (size_t)jp * ldb, ldb, kc, dst);
            else pack_b16_rows(B + jp, ldb, kc, dst);
            jp += w;
            continue;
        }
#endif
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
// t is (m, ldt); C is (m, n) with row stride ldc, or with ct (the product
// was computed transposed, see sgemm_driver) its transpose: the tile's (i, j)
// is C[j*ldc + i].
static void store_tile(int m, int n, const float *restrict t, int ldt,
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

// One (MC x NC x KC) block of work for a macro-kernel. A strips and B panels
// are read in place ("direct") when the operand's layout allows it and the
// strip/panel is full; otherwise from the packed buffers pa/pb, which then
// hold (at least) the strips/panels that are not read in place.
typedef struct {
    int mc, nc, kc;
    const float *a; int rs_a, cs_a, a_direct;  // op(A)[i][k] = a[i*rs_a + k*cs_a]
    const float *pa;
    const float *b; int ldb, b_direct;         // op(B)[k][j] = b[k*ldb + j] (if direct)
    const float *pb;
    float *c; int ldc;                          // C block (mc, nc)
    int c_trans;                                // C holds the transpose (see sgemm_driver)
    float alpha, beta;
    int prefetch_c;                             // see prefetch_tile
} gemm_block;

// A given as bytes (sn_sgemm_bytes): A[i][k] = scale · src[i*lda + k].
typedef struct { const uint8_t *src; float scale; } gemm_bytes;

// Asks for the m rows of n floats at C (stride ldc) ahead of a micro-kernel
// call. Why: the tile is loaded (beta != 0) or stored only after the k loop,
// and in a large product its rows sit in L3 or memory, one 4 KB-strided line
// per row. Fetched at the end, they stalled every tile for a memory latency:
// on square 1024 at 1 thread, K blocks of 128 ran at 0.72x and 256 at 0.88x
// of 512 (AVX2 EPYC), the cost scaling with tiles per flop. Requested
// before the loop, they arrive while it runs.
static inline __attribute__((always_inline)) void prefetch_tile(const float *C, int ldc, int m, int n) {
    for (int i = 0; i < m; i++) {
        __builtin_prefetch(C + (size_t)i * ldc, 1, 3);
        __builtin_prefetch(C + (size_t)i * ldc + n - 1, 1, 3);
    }
}

// ---------------------------------------------------------------------------
// AVX-512 path: 12 x (16*nv) tile, nv = 2 (32 columns) or 1 (16 columns).
#ifdef SN_X86
// Not "arch=x86-64-v4": its tuning prefers 256-bit vectors and would split
// every 512-bit operation in two.
#define SN_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe")))

// a(i,k) = a[i*rs + k*cs] is (mr, kc); b(k,:) = b[k*ldb ..] is (kc, 16*nv);
// C tile is (m, n) with stride ldc, m <= mr, n <= 16*nv. mr is 12, 8 or 4
// (fewer rows for the last strip of M = 25, 100 ...). Partial tiles are
// stored with masks, using the same separately rounded operations as full
// ones, so an element comes out the same whichever tile it falls in.
static inline __attribute__((always_inline)) SN_AVX512 void
ukernel_z(const int mr, const int nv, int kc, const float *restrict a, const int rs,
          const int cs, const float *restrict b, int ldb, float *restrict C, int ldc,
          float alpha, float beta, int m, int n) {
    v16 acc[MR_Z][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = (v16){0};
    for (int k = 0; k < kc; k++) {
        v16 b0 = *(const v16u *)(b + (size_t)k * ldb);
        v16 b1 = nv == 2 ? *(const v16u *)(b + (size_t)k * ldb + 16) : b0;
        for (int i = 0; i < mr; i++) {
            v16 ai = (v16){0} + a[(size_t)i * rs + (size_t)k * cs];
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
strip_z(const int nv, int kc, const float *restrict a, const int rs, const int cs,
        const float *restrict b, int ldb, float *restrict C, int ldc,
        float alpha, float beta, int m, int n) {
    if (m > 8) ukernel_z(12, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
    else if (m > 4) ukernel_z(8, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
    else ukernel_z(4, nv, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n);
}

static SN_AVX512 void macro_z(const gemm_block *g) {
    const int mc = g->mc, nc = g->nc, kc = g->kc;
    for (int jp = 0; jp < nc;) {
        int w = nc - jp > NR_Z / 2 ? NR_Z : NR_Z / 2;
        int n = imin(w, nc - jp);
        const float *b = g->pb + (size_t)jp * kc;
        int ldb = w;
        if (g->b_direct && jp + NR_Z <= nc) b = g->b + jp, ldb = g->ldb;
        for (int ip = 0; ip < mc; ip += MR_Z) {
            int m = imin(MR_Z, mc - ip);
            float *c = g->c + (size_t)ip * g->ldc + jp;
            if (g->prefetch_c) prefetch_tile(c, g->ldc, m, n);
            if (g->a_direct && ip + MR_Z <= mc && g->rs_a != 1) {
                const float *a = g->a + (size_t)ip * g->rs_a;  // rows of A in place
                if (w == NR_Z) ukernel_z(MR_Z, 2, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
                else ukernel_z(MR_Z, 1, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
            } else {
                const float *a = g->pa + (size_t)ip * kc;  // packed, or Aᵀ in place
                int cs = MR_Z;
                if (g->a_direct && ip + MR_Z <= mc) a = g->a + ip, cs = g->cs_a;
                if (w == NR_Z) strip_z(2, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
                else strip_z(1, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n);
            }
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

// a(i,k) = a[i*rs + k*cs] is (6, kc); b(k,:) = b[k*ldb ..] is (kc, 8*nv);
// C tile is (m, n) with stride ldc.
static inline __attribute__((always_inline)) void
ukernel_g(const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
          const float *restrict b, int ldb, float *restrict C, int ldc,
          float alpha, float beta, int m, int n, int ct) {
    v8 acc[MR_G][2];
    for (int i = 0; i < MR_G; i++) acc[i][0] = acc[i][1] = (v8){0};
    for (int k = 0; k < kc; k++) {
        v8 b0 = *(const v8u *)(b + (size_t)k * ldb);
        v8 b1 = nv == 2 ? *(const v8u *)(b + (size_t)k * ldb + 8) : b0;
        for (int i = 0; i < rows; i++) {
            v8 ai = (v8){0} + a[(size_t)i * rs + (size_t)k * cs];
            acc[i][0] += ai * b0;
            if (nv == 2) acc[i][1] += ai * b1;
        }
    }
    if (m == MR_G && n == 8 * nv && !ct) {
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
        store_tile(m, n, t, 16, C, ldc, ct, alpha, beta);
    }
}

// The macro-kernel: walks a packed block in MR_G x NR_G tiles, reading A or B
// in place where the block allows it. One body, instantiated per micro-kernel
// (UKERNEL is always_inline, so each instruction set keeps its own loop).
#define SN_DEFINE_MACRO_KERNEL(NAME, ATTRIBUTE, UKERNEL)                                                   \
static ATTRIBUTE void NAME(const gemm_block *g) {                                                          \
    const int mc = g->mc, nc = g->nc, kc = g->kc, ct = g->c_trans;                                         \
    for (int jp = 0; jp < nc;) {                                                                           \
        int w = nc - jp > NR_G / 2 ? NR_G : NR_G / 2;                                                      \
        int n = imin(w, nc - jp);                                                                          \
        const float *b = g->pb + (size_t)jp * kc;                                                          \
        int ldb = w;                                                                                       \
        if (g->b_direct && jp + NR_G <= nc) b = g->b + jp, ldb = g->ldb;                                   \
        for (int ip = 0; ip < mc; ip += MR_G) {                                                            \
            int m = imin(MR_G, mc - ip);                                                                   \
            float *c = ct ? g->c + (size_t)jp * g->ldc + ip : g->c + (size_t)ip * g->ldc + jp;             \
            if (g->prefetch_c) prefetch_tile(c, g->ldc, ct ? n : m, ct ? m : n);                           \
            if (g->a_direct && ip + MR_G <= mc && g->rs_a != 1) {                                          \
                const float *a = g->a + (size_t)ip * g->rs_a;                                              \
                if (w == NR_G) UKERNEL(2, MR_G, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);  \
                else UKERNEL(1, MR_G, kc, a, g->rs_a, 1, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);            \
            } else {                                                                                       \
                const float *a = g->pa + (size_t)ip * kc;                                                  \
                int cs = MR_G;                                                                             \
                if (g->a_direct && g->rs_a == 1 && (ip + MR_G <= mc || m == 4)) a = g->a + ip, cs = g->cs_a; \
                if (m <= 4) { /* the ragged last strip: 4 rows cost 4/6 of a full one */                   \
                    if (w == NR_G) UKERNEL(2, 4, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);  \
                    else UKERNEL(1, 4, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);            \
                } else if (w == NR_G) {                                                                    \
                    UKERNEL(2, MR_G, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);           \
                } else {                                                                                   \
                    UKERNEL(1, MR_G, kc, a, 1, cs, b, ldb, c, g->ldc, g->alpha, g->beta, m, n, ct);           \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        jp += w;                                                                                           \
    }                                                                                                      \
}

SN_DEFINE_MACRO_KERNEL(macro_g, SN_CLONES, ukernel_g)

// ---------------------------------------------------------------------------
// AVX2+FMA path: the generic 6 x (8*nv) tile written with intrinsics and one
// named variable per accumulator. The vector-extension loop above, compiled
// as its x86-64-v3 clone, rotated its 12 accumulators through 18 register
// moves and two stack spills per k (clang 21): ~55 % of OpenBLAS's speed on
// an AVX2-only EPYC. Same arithmetic per element (one FMA per k, in k
// order; partial tiles through store_tile), so results match the clone's.
#ifdef SN_X86
#define SN_AVX2 __attribute__((target("avx2,fma")))

static inline __attribute__((always_inline)) SN_AVX2 void
ukernel_h(const int unroll, const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
          const float *restrict b, int ldb, float *restrict C, int ldc,
          float alpha, float beta, int m, int n, int ct) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    const size_t r1 = (size_t)rs, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
    // One k: two B vectors, `rows` broadcasts of A, 2·rows FMAs.
#define SN_UK_H_STEP(K)                                                                         \
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
    // Four k per iteration: the loop's pointer and counter updates were a
    // fifth of its instructions, and an L1-resident 6×16 tile ran at ~75 of
    // the core's ~90 GFLOPS with one k per iteration, ~83 with four (Zen 3).
    int k = 0;
    if (unroll)
        for (; k + 4 <= kc; k += 4) { SN_UK_H_STEP(k) SN_UK_H_STEP(k + 1) SN_UK_H_STEP(k + 2) SN_UK_H_STEP(k + 3) }
    for (; k < kc; k++) SN_UK_H_STEP(k)
#undef SN_UK_H_STEP
    __m256 acc[MR_G][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (m == MR_G && n == 8 * nv && !ct) {
        for (int i = 0; i < MR_G; i++) {
            for (int v = 0; v < nv; v++) {
                float *c = C + (size_t)i * ldc + 8 * v;
                __m256 r = _mm256_mul_ps(va, acc[i][v]);
                if (beta != 0.0f) r = _mm256_add_ps(r, _mm256_mul_ps(vb, _mm256_loadu_ps(c)));
                _mm256_storeu_ps(c, r);
            }
        }
    } else {
        float t[MR_G * 16] __attribute__((aligned(32)));
        for (int i = 0; i < MR_G; i++)
            for (int v = 0; v < nv; v++) _mm256_store_ps(t + i * 16 + 8 * v, acc[i][v]);
        store_tile(m, n, t, 16, C, ldc, ct, alpha, beta);
    }
}

static inline __attribute__((always_inline)) SN_AVX2 void
ukernel_h4(const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
           const float *restrict b, int ldb, float *restrict C, int ldc,
           float alpha, float beta, int m, int n, int ct) {
    ukernel_h(1, nv, rows, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n, ct);
}
SN_DEFINE_MACRO_KERNEL(macro_h, SN_AVX2, ukernel_h4)
#ifdef SN_GEMM_DEV
static inline __attribute__((always_inline)) SN_AVX2 void
ukernel_h1(const int nv, const int rows, int kc, const float *restrict a, const int rs, const int cs,
           const float *restrict b, int ldb, float *restrict C, int ldc,
           float alpha, float beta, int m, int n, int ct) {
    ukernel_h(0, nv, rows, kc, a, rs, cs, b, ldb, C, ldc, alpha, beta, m, n, ct);
}
SN_DEFINE_MACRO_KERNEL(macro_h_k1, SN_AVX2, ukernel_h1)  // SN_NO_UNROLL=1: one k per iteration
#endif
#endif

// ---------------------------------------------------------------------------
// Driver.

typedef void (*macro_fn)(const gemm_block *);
// kc: longest K block (KC on every path: on an AVX2-only EPYC with a 32 KB
// L1d, 256 was ~10 % slower than 512 on the 1000×100×784 inference product;
// 1024 was ~4 % faster, see KC).
// direct_both: up to this M·N·K both operands may be read in place; past it
// (up to DIRECT_MNK) only Aᵀ.
// rows_in_place: row-major A may be read in place (direct_both products);
// on AVX2, packing it with pack_a6_rows is cheaper than the 6 strided row
// streams (paired, 1 thread: 50×100×784 1.8×, 50×256×256 1.8×, 100×10×100
// 1.2× with A packed and B in place, against both in place).
// nc: widest B block (at most NC, which sizes the buffers).
// small_n: products with at most this many columns (and at least 2·nr rows)
// are computed transposed (0: never; the macro-kernel must handle c_trans).
typedef struct { int mr, nr, kc, nc; double direct_both; int rows_in_place; int small_n; macro_fn macro; } gemm_isa;

static gemm_isa pick_isa(void) {
#if defined(SN_X86) && !defined(SN_GEMM_FORCE_GENERIC) && !defined(SN_GEMM_FORCE_BASELINE)
    if (__builtin_cpu_supports("x86-64-v4")) return (gemm_isa){MR_Z, NR_Z, KC, NC, DIRECT_MNK, 1, 0, macro_z};
#endif
#if defined(SN_X86) && !defined(SN_GEMM_FORCE_BASELINE)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return (gemm_isa){MR_G, NR_G, KC, NC_H, DIRECT_SMALL_H, 0, SMALL_N, macro_h};
#endif
    return (gemm_isa){MR_G, NR_G, KC, NC, DIRECT_MNK, 1, SMALL_N, macro_g};
}

// K-block length: K split into equal blocks of at most KC (K = 257 -> 129 + 128,
// not 256 + 1). Depends on K only, which keeps sums thread-count independent.
static int k_block(int K, int kc_max) {
    int nb = (K + kc_max - 1) / kc_max;
    return (K + nb - 1) / nb;
}

// The barrier of gemm_team_shared_b's team. Only for T > 1: gemm_serial
// (T = 1) also runs inside the N split's parallel region, where an orphaned
// barrier would bind to that region's threads.
#ifdef _OPENMP
#define SN_TEAM_BARRIER() _Pragma("omp barrier")
#else
#define SN_TEAM_BARRIER() ((void)0)
#endif

// Thread t of T, M split, B shared: per K block the team packs B once into
// one shared buffer (thread t packs the t-th share of its panels), waits at a
// barrier, and each thread multiplies its own rows against it with its own A
// buffer (pa). Blocks alternate between two B buffers (pb[0], pb[1]), so one
// barrier per block is enough: a thread packing block i+2 into a buffer has
// passed block i+1's barrier, which every thread reaches only after it is
// done multiplying block i.
// Packing B per thread, as the N split's gemm_part does, packed the batch-100
// forward products' B (784×100, as large as A) twice and held 2 threads to
// ~1.25×. With T = R = 1 (no team) it is the serial algorithm, gemm_serial.
// Every member t of the team of T must call this (it holds barriers); rows go
// to the first R <= T (those with a packing slot); the others only pack B.
static void gemm_team_shared_b(const gemm_isa *isa, int t, int T, int R, float *pa, float *const pb[2],
                               int ta, int tb, int M, int N, int K, float alpha,
                               const float *A, int lda, const float *B, int ldb,
                               float beta, float *C, int ldc, int ct, int direct_a, int direct_b,
                               const gemm_bytes *xa) {
    const int mr = isa->mr, nr = isa->nr;
    const int strips = (M + mr - 1) / mr;
    const int lo = t < R ? (int)((long)strips * t / R) * mr : M;
    const int hi = t < R ? imin((int)((long)strips * (t + 1) / R) * mr, M) : M;
    const int kcb = k_block(K, isa->kc);
    direct_b = direct_b && !tb;
    gemm_block g;
    g.rs_a = ta ? 1 : lda;
    g.cs_a = ta ? lda : 1;
    g.a_direct = direct_a;
    g.pa = pa;
    g.ldb = ldb;
    g.b_direct = direct_b;
    g.ldc = ldc;
    g.c_trans = ct;
    g.alpha = alpha;
    g.prefetch_c = !gemm_dev_flag("SN_NO_PREFETCH_C");
    int mcb = MC;  // A block rows
#ifdef SN_GEMM_DEV
    if (getenv("SN_MC")) mcb = imin(imax(atoi(getenv("SN_MC")) / 12 * 12, 12), MC);
#endif
    int block = 0;
    for (int jc = 0; jc < N; jc += isa->nc) {
        const int nc = imin(isa->nc, N - jc);
        const int first = direct_b ? nc / nr : 0, panels = (nc + nr - 1) / nr;
        const int p0 = first + (int)((long)(panels - first) * t / T);
        const int p1 = first + (int)((long)(panels - first) * (t + 1) / T);
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = imin(kcb, K - pc);
            const float *b = tb ? B + (size_t)jc * ldb + pc : B + (size_t)pc * ldb + jc;
            float *pbuf = pb[block++ & 1];
            pack_b(tb, b, ldb, kc, nc, nr, p0 * nr, imin(p1 * nr, nc), pbuf);
            if (T > 1) { SN_TEAM_BARRIER(); }  // T == 1: no team (gemm_serial, also inside gemm_part's region)
            g.pb = pbuf;
            g.b = b;
            g.nc = nc;
            g.kc = kc;
            g.beta = pc == 0 ? beta : 1.0f;
            for (int ic = lo; ic < hi; ic += mcb) {
                const int mc = imin(mcb, hi - ic);
                if (xa) {
                    pack_a_bytes(xa->src + (size_t)ic * lda + pc, lda, mc, kc, mr, xa->scale, pa);
                } else {
                    const float *a = ta ? A + (size_t)pc * lda + ic : A + (size_t)ic * lda + pc;
                    // Read in place: full strips, and with Aᵀ a last strip of 4 rows
                    // on the 6-row kernels (their 4-row variant reads just those).
                    const int in_place = !direct_a ? 0 : ta && mr == MR_G && mc % mr == 4 ? mc : mc / mr * mr;
                    pack_a(ta, a, lda, mc, kc, mr, in_place, pa);
                    g.a = a;
                }
                g.mc = mc;
                g.c = ct ? C + (size_t)jc * ldc + ic : C + (size_t)ic * ldc + jc;
                isa->macro(&g);
            }
        }
    }
}
// One thread's share: C (M, N) = ... with the packing buffers of `slot`.
// A, B, C already point at this share's first row/column. direct_a/direct_b:
// read A/B in place instead of packing (small products, where packing would
// cost as much as the arithmetic; B only when not transposed).
static void gemm_serial(const gemm_isa *isa, int ta, int tb, int M, int N, int K,
                        float alpha, const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc, int ct, int slot, int direct_a, int direct_b,
                        const gemm_bytes *xa) {
    float *const pb[2] = {pack_b_buf[slot], pack_b_buf[slot]};  // one thread: no need to alternate
    gemm_team_shared_b(isa, 0, 1, 1, pack_a_buf[slot], pb, ta, tb, M, N, K, alpha, A, lda, B, ldb,
                       beta, C, ldc, ct, direct_a, direct_b, xa);
}

#ifdef _OPENMP
// Thread t of T takes a contiguous range of MR-row (or NR-column) strips.
static void gemm_part(const gemm_isa *isa, int split_m, int t, int T, int slot, int ta, int tb,
                      int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc, int ct, int direct,
                      const gemm_bytes *xa) {
    int unit = split_m ? isa->mr : isa->nr;
    int units = ((split_m ? M : N) + unit - 1) / unit;
    int u0 = (int)((long)units * t / T), u1 = (int)((long)units * (t + 1) / T);
    int lo = u0 * unit, hi = imin(u1 * unit, split_m ? M : N);
    if (lo >= hi) return;
    if (split_m) {
        const float *a = xa ? NULL : ta ? A + lo : A + (size_t)lo * lda;
        gemm_bytes rows = xa ? (gemm_bytes){xa->src + (size_t)lo * lda, xa->scale} : (gemm_bytes){0};
        gemm_serial(isa, ta, tb, hi - lo, N, K, alpha, a, lda, B, ldb, beta,
                    ct ? C + lo : C + (size_t)lo * ldc, ldc, ct, slot, direct & 1, direct & 2, xa ? &rows : NULL);
    } else {
        const float *b = tb ? B + (size_t)lo * ldb : B + lo;
        gemm_serial(isa, ta, tb, M, hi - lo, K, alpha, A, lda, b, ldb, beta,
                    ct ? C + (size_t)lo * ldc : C + lo, ldc, ct, slot, direct & 1, direct & 2, xa);
    }
}

#endif

// Largest share over the mean share when `units` equal units, the last one
// costing `last` of a full one, are cut into T contiguous ranges as
// gemm_part and gemm_team_shared_b cut them (1: an even split; HUGE_VAL:
// fewer units than threads).
static double split_imbalance(int units, double last, int T) {
    if (units < T) return 1e300;
    double total = units - 1 + last, worst = 0;
    for (int t = 0; t < T; t++) {
        int u0 = (int)((long)units * t / T), u1 = (int)((long)units * (t + 1) / T);
        double share = u1 - u0 - (u1 == units ? 1 - last : 0);
        if (share > worst) worst = share;
    }
    return worst * T / total;
}

// Work of M's last strip relative to a full one: the micro-kernels have
// 4-row variants (and 8 for the 12-row AVX-512 kernel).
static double last_strip_cost(int M, int mr) {
    int rem = M % mr;
    if (rem == 0) return 1.0;
    if (mr == 12) return ((rem + 3) / 4 * 4) / 12.0;
    return rem <= 4 ? 4.0 / mr : 1.0;
}

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

// op(A) is (M, K), op(B) is (K, N), C is (M, N). A is floats, or with xa
// (then trans_a == 0 and A unused) bytes.
static void sgemm_driver(int trans_a, int trans_b, int M, int N, int K,
                         float alpha, const float *A, int lda, const gemm_bytes *xa,
                         const float *B, int ldb,
                         float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        if (beta != 1.0f) scale_c(M, N, beta, C, ldc);
        return;
    }
    gemm_isa isa = pick_isa();  // a cached CPU-feature read: cheap
#ifdef SN_GEMM_DEV
    if (getenv("SN_KC")) isa.kc = imin(atoi(getenv("SN_KC")), KC);
    if (getenv("SN_NC")) isa.nc = imin(atoi(getenv("SN_NC")) / 32 * 32, NC);
#ifdef SN_X86
    if (gemm_dev_flag("SN_NO_UNROLL") && isa.macro == macro_h) isa.macro = macro_h_k1;
#endif
#endif
    // Few columns: compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead, storing each tile
    // transposed. N = 10 (a classifier head) fills 10 of a 16-column panel's
    // lanes; transposed, the 10 become rows (a 6-row and a 4-row strip) and
    // the many rows fill whole panels. Every element is still one FMA per k
    // in k order, then the same alpha/beta operations: the same bits.
    int ct = 0;
#ifdef SN_GEMM_DEV
    if (getenv("SN_SMALL_N")) isa.small_n = atoi(getenv("SN_SMALL_N"));
#endif
    // N = 8 exactly fills a half panel and stays. Paired, 1 thread, AVX2
    // EPYC (gemm_switch_ab, SN_SMALL_N): transposed ran 1.07–1.75× as fast for
    // N = 1…7 and 9…12 (100×N×100, 1000×12×784), 0.77–0.95× for N = 8 and
    // 0.86–0.97× for N = 13…16.
    if (!xa && N <= isa.small_n && N != isa.nr / 2 && M >= 2 * isa.nr) {
        int t = trans_a; trans_a = !trans_b; trans_b = !t;
        t = M; M = N; N = t;
        t = lda; lda = ldb; ldb = t;
        const float *p = A; A = B; B = p;
        ct = 1;
    }
    const gemm_isa *ip = &isa;
    int nth = 1;
#ifdef _OPENMP
    double par_flops = PAR_FLOPS;
#ifdef SN_GEMM_DEV
    if (getenv("SN_PAR")) par_flops = atof(getenv("SN_PAR"));
#endif
    if (2.0 * M * N * K >= par_flops) nth = imin(sn_get_num_threads(), SN_GEMM_MAX_THREADS);
#endif
    // Bit 0: read A in place, bit 1: B. The AVX2 path (32 KB L1d) packs
    // earlier: past DIRECT_SMALL_H it reads only Aᵀ in place (MR
    // consecutive floats per k); six rows of A or a B row stride in place
    // missed L1 (mlp256 forward 100×256×784: ~37 GFLOPS direct, ~55 packed).
    double mnk = (double)M * N * K;
    int direct = mnk <= ip->direct_both ? 3 : mnk <= DIRECT_MNK && trans_a ? 1 : 0;
    if (!trans_a && !ip->rows_in_place) direct &= ~1;
    if (xa) direct &= ~1;  // bytes are always packed (converted)
#ifdef SN_GEMM_DEV
    if (getenv("SN_DIRECT")) direct = atoi(getenv("SN_DIRECT"));
#endif
    const int shared_b_off = gemm_dev_flag("SN_NO_SHARED_B");
    int mt = (M + ip->mr - 1) / ip->mr, nt = (N + ip->nr - 1) / ip->nr;
    // Split the dimension whose strips/panels share out most evenly: M = 100
    // is 17 strips (the last of 4 rows), 8 and 8⅔ strips' work at 2 threads,
    // while N = 256 is 16 panels, 8 and 8. M wins ties within 1 %: there B is
    // packed once for the team, on the N split A is packed by every thread
    // (in-process A/B at 2 threads: 100×256×256 N split 1.07× M split,
    // 100×784×100 with Bᵀ 1.10×; 100×100×784 M split 1.05× N split).
    int split_m = split_imbalance(mt, last_strip_cost(M, ip->mr), nth) <=
                  1.01 * split_imbalance(nt, N % ip->nr == 0 ? 1.0 : N % ip->nr <= ip->nr / 2 ? 0.5 : 1.0, nth);
    if (shared_b_off) split_m = trans_b && nt >= nth ? 0 : mt >= nt;
#ifdef SN_GEMM_DEV
    if (getenv("SN_SPLIT")) split_m = getenv("SN_SPLIT")[0] == 'm';
#endif
    if (nth > (split_m ? mt : nt)) nth = split_m ? mt : nt;
    const unsigned taken = acquire_slots(nth);
    int slots[SN_GEMM_MAX_THREADS], nslots = 0;
    for (int s = 0; s < SN_GEMM_MAX_THREADS; s++)
        if (taken & (1u << s)) slots[nslots++] = s;
    if (nth > nslots) nth = nslots;
    if (nth <= 1) {
        gemm_serial(ip, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ct, slots[0],
                    direct & 1, direct & 2, xa);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
        {
            int T = omp_get_num_threads();  // may be fewer than asked (nesting)
            if (T > nslots) T = nslots;
            int t = omp_get_thread_num();
            if (split_m && !shared_b_off) {
                // Every team member takes part (barriers); rows go to the first T.
                float *const pb[2] = {pack_b_buf[slots[0]], pack_b_buf[slots[1]]};
                gemm_team_shared_b(ip, t, omp_get_num_threads(), T, t < T ? pack_a_buf[slots[t]] : NULL,
                                   pb, trans_a, trans_b, M, N, K, alpha,
                                   A, lda, B, ldb, beta, C, ldc, ct, direct & 1, direct & 2, xa);
            } else if (t < T) {
                gemm_part(ip, split_m, t, T, slots[t], trans_a, trans_b, M, N, K, alpha, A, lda,
                          B, ldb, beta, C, ldc, ct, direct, xa);
            }
        }
#endif
    }
    release_slots(taken);
}

void sn_sgemm(int trans_a, int trans_b, int M, int N, int K,
              float alpha, const float *A, int lda,
              const float *B, int ldb,
              float beta, float *C, int ldc) {
    sgemm_driver(trans_a, trans_b, M, N, K, alpha, A, lda, NULL, B, ldb, beta, C, ldc);
}

void sn_sgemm_bytes(int trans_b, int M, int N, int K, float scale, const uint8_t *X, int ldx,
                    const float *B, int ldb, float beta, float *C, int ldc) {
    const gemm_bytes xa = {X, scale};
    sgemm_driver(0, trans_b, M, N, K, 1.0f, NULL, ldx, &xa, B, ldb, beta, C, ldc);
}
