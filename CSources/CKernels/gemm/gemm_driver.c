/*
 * gemm_driver.c — C = alpha·op(A)·op(B) + beta·C, single precision,
 * row-major: the loop nest, the threading and the entry points.
 *
 * GotoBLAS/BLIS structure:
 *   for jc in N step NC:              B block (KC x NC), reused by every A block
 *     for pc in K step KC:            one K block; its sum is added to C in K order
 *       pack B block -> NR-wide column micro-panels (k-major)
 *       for ic in M step MC:          A block (MC x KC), stays in L2
 *         pack A block -> MR-tall row micro-panels (k-major)
 *         macro-kernel: every (MR x NR) tile of C gets MR·NR dot products of
 *         length KC from a register-blocked micro-kernel.
 * Blocking constants: gemm_blocking.h. Packing: gemm_pack.c. Micro-kernels,
 * one file per instruction set: gemm_kernel_{generic,avx2,avx512}.c.
 *
 * Small products (M·N·K up to a path's in-place limit: every training shape
 * of an MLP or a small conv net) skip most packing: the micro-kernel reads A
 * in place through (row, column) strides, and B in place when it is not
 * transposed. Only the ragged last strip/panel is packed (zero-padded).
 *
 * Few rows (M up to the path's SN_GEMM_GEMV_MAX_M_*, e.g. one sample at
 * inference): no micro-kernel, whose MR-row tiles would be mostly zero rows,
 * and no packing; the path's matrix-vector kernel (gemm_gemv.c) computes
 * each element with the same operations in the same order. Same bits.
 *
 * Few columns (N <= SMALL_N, e.g. a 10-class head) on the 6x16 paths: the
 * driver computes Cᵀ = op(B)ᵀ·op(A)ᵀ with the same blocking and stores each
 * tile transposed, so the many rows fill the 16-wide panels. Same bits.
 *
 * The micro-kernel is picked per call: the best the CPU runs (AUTO), or one
 * named by the caller (tests run every kernel the CPU has).
 *
 * Threads (OpenMP, the caller's count, only when 2·M·N·K >= PAR_FLOPS): C is
 * cut into one contiguous range of MR-row strips (or NR-column panels) per
 * thread, whichever dimension shares out more evenly. On the M split the team
 * packs each B block once, together, into a shared buffer; on the N split
 * each thread runs the serial algorithm on its columns with its own buffers.
 * Never K: each element of C is summed by one thread, in K order, in K blocks
 * that depend on K only, so C is bit-identical for any thread count (on a
 * given micro-kernel) and from run to run.
 *
 * No heap: packing buffers are static, SN_GEMM_MAX_THREADS sets of 2.2 MB of
 * .bss (untouched pages cost nothing). Each call takes as many free sets
 * ("slots") as it wants threads, by compare-and-swap on a bitmask, so
 * concurrent callers each get their own buffers; a caller waits only when
 * all slots are taken, and gets fewer threads when only some are free
 * (results do not depend on the thread count).
 */
#include <stdatomic.h>
#include "ckernels.h"
#include "gemm_gemv.h"

#ifdef _OPENMP
int omp_get_thread_num(void);
int omp_get_num_threads(void);
#endif

#define KC SN_GEMM_KC
#define MC SN_GEMM_MC
#define NC SN_GEMM_NC

static float pack_a_buf[SN_GEMM_MAX_THREADS][MC * KC + SN_GEMM_PACK_A_SLACK] __attribute__((aligned(64)));
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

#define imin sn_gemm_imin

// One micro-kernel with its blocking.
// nc: widest B block (at most NC, which sizes the buffers).
// direct_both: up to this M·N·K both operands may be read in place; past it
// (up to SN_GEMM_DIRECT_MNK) only Aᵀ.
// rows_in_place: row-major A may be read in place (direct_both products);
// on AVX2, packing it with the 8x8-transposing packer beats 6 strided row streams.
// small_n: products with at most this many columns (and at least 2·nr rows)
// are computed transposed (0: never; the macro-kernel must handle c_trans).
// gemv_max_m: products of at most this many rows go to gemv, the path's
// matrix-vector kernel (gemm_gemv.c).
typedef struct {
    int mr, nr, kc, nc; double direct_both; int rows_in_place; int small_n; sn_gemm_macro_fn macro;
    int gemv_max_m; sn_gemv_fn gemv;
} gemm_isa;

int sn_gemm_kernel_supported(sn_gemm_kernel kernel) {
    switch (kernel) {
    case SN_GEMM_KERNEL_AUTO:
    case SN_GEMM_KERNEL_GENERIC:
        return 1;
#ifdef SN_X86
    case SN_GEMM_KERNEL_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SN_GEMM_KERNEL_AVX512:
        return __builtin_cpu_supports("x86-64-v4");
#endif
    default:
        return 0;
    }
}

sn_gemm_kernel sn_gemm_kernel_automatic(void) {
    const int limit = sn_isa_limit();
    return limit >= SN_ISA_LEVEL_AVX512 && sn_gemm_kernel_supported(SN_GEMM_KERNEL_AVX512) ? SN_GEMM_KERNEL_AVX512
         : limit >= SN_ISA_LEVEL_AVX2 && sn_gemm_kernel_supported(SN_GEMM_KERNEL_AVX2)     ? SN_GEMM_KERNEL_AVX2
                                                                                          : SN_GEMM_KERNEL_GENERIC;
}

// The blocking of `kernel`, which must be supported; AUTO: the fastest the CPU runs.
static gemm_isa isa_for(sn_gemm_kernel kernel) {
    if (kernel == SN_GEMM_KERNEL_AUTO) kernel = sn_gemm_kernel_automatic();
#ifdef SN_X86
    if (kernel == SN_GEMM_KERNEL_AVX512)
        return (gemm_isa){SN_GEMM_MR_AVX512, SN_GEMM_NR_AVX512, KC, NC, SN_GEMM_DIRECT_MNK, 1, 0,
                          sn_gemm_macro_avx512, SN_GEMM_GEMV_MAX_M_AVX512, sn_gemv_avx512};
    if (kernel == SN_GEMM_KERNEL_AVX2)
        return (gemm_isa){SN_GEMM_MR_6X16, SN_GEMM_NR_6X16, KC, SN_GEMM_NC_AVX2, SN_GEMM_DIRECT_MNK_AVX2, 0,
                          SN_GEMM_SMALL_N, sn_gemm_macro_avx2, SN_GEMM_GEMV_MAX_M_AVX2, sn_gemv_avx2};
#endif
    return (gemm_isa){SN_GEMM_MR_6X16, SN_GEMM_NR_6X16, KC, NC, SN_GEMM_DIRECT_MNK, 1, SN_GEMM_SMALL_N,
                      sn_gemm_macro_generic, SN_GEMM_GEMV_MAX_M_GENERIC, sn_gemv_generic};
}

// K-block length: K split into equal blocks of at most KC (K = 257 -> 129 + 128,
// not 256 + 1). Depends on K only, which keeps sums thread-count independent.
static int k_block(int K, int kc_max) {
    int nb = (K + kc_max - 1) / kc_max;
    return (K + nb - 1) / nb;
}

// The inference epilogue (sn_sgemm_bias_act): bias[j] added to column j of
// C, then the ReLU (v > 0 ? v : 0) when relu. NULL: none.
typedef struct { const float *bias; int relu; } gemm_epilogue;

// Applies `ep` to one finished (mc, nc) block of C at c, whose first row is
// row0 and first column col0 of the product as computed; with ct the block
// is stored transposed (its (i, j) at c[j*ldc + i]) and its rows are C's
// columns. Runs right after the block's last K block, while it is in cache:
// the same operations as separate bias and ReLU passes, so the same bits.
static void apply_epilogue(const gemm_epilogue *ep, int ct, int row0, int col0, int mc, int nc,
                           float *restrict c, int ldc) {
    const float *restrict bias = ep->bias;
    const int relu = ep->relu;
    if (ct) {
        for (int j = 0; j < nc; j++) {
            float *restrict r = c + (size_t)j * ldc;
            for (int i = 0; i < mc; i++) {
                float v = r[i] + bias[row0 + i];
                r[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
            }
        }
        return;
    }
    for (int i = 0; i < mc; i++) {
        float *restrict r = c + (size_t)i * ldc;
        const float *restrict b = bias + col0;
        if (relu) {
            for (int j = 0; j < nc; j++) { float v = r[j] + b[j]; r[j] = v > 0.0f ? v : 0.0f; }
        } else {
            for (int j = 0; j < nc; j++) r[j] += b[j];
        }
    }
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
// done multiplying block i. With T = R = 1 (no team) it is the serial
// algorithm, gemm_serial.
// Every member t of the team of T must call this (it holds barriers); rows go
// to the first R <= T (those with a packing slot); the others only pack B.
static void gemm_team_shared_b(const gemm_isa *isa, int t, int T, int R, float *pa, float *const pb[2],
                               const sn_gemm_a *A, int tb, int M, int N, int K, float alpha,
                               const float *B, int ldb, float beta, float *C, int ldc, int ct,
                               int direct_a, int direct_b, const gemm_epilogue *ep) {
    const int mr = isa->mr, nr = isa->nr, ta = A->trans;
    const int strips = (M + mr - 1) / mr;
    const int lo = t < R ? (int)((long)strips * t / R) * mr : M;
    const int hi = t < R ? imin((int)((long)strips * (t + 1) / R) * mr, M) : M;
    const int kcb = k_block(K, isa->kc);
    direct_b = direct_b && !tb;
    sn_gemm_block g;
    g.rs_a = ta ? 1 : A->ld;
    g.cs_a = ta ? A->ld : 1;
    g.a_direct = direct_a;
    g.pa = pa;
    g.ldb = ldb;
    g.b_direct = direct_b;
    g.ldc = ldc;
    g.c_trans = ct;
    g.alpha = alpha;
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
            sn_gemm_pack_b(tb, b, ldb, kc, nc, nr, p0 * nr, imin(p1 * nr, nc), pbuf);
            if (T > 1) { SN_TEAM_BARRIER(); }  // T == 1: no team (gemm_serial, also inside gemm_part's region)
            g.pb = pbuf;
            g.b = b;
            g.nc = nc;
            g.kc = kc;
            g.beta = pc == 0 ? beta : 1.0f;
            for (int ic = lo; ic < hi; ic += MC) {
                const int mc = imin(MC, hi - ic);
                // Read in place: full strips, and with Aᵀ a last strip of 4 rows
                // on the 6-row kernels (their 4-row variant reads just those).
                const int in_place = !direct_a ? 0
                                   : ta && mr == SN_GEMM_MR_6X16 && mc % mr == 4 ? mc
                                   : mc / mr * mr;
                g.a = A->pack(A, ic, pc, mc, kc, mr, in_place, pa);
                g.mc = mc;
                g.c = ct ? C + (size_t)jc * ldc + ic : C + (size_t)ic * ldc + jc;
                isa->macro(&g);
                if (ep && pc + kc == K) apply_epilogue(ep, ct, ic, jc, mc, nc, g.c, ldc);
            }
        }
    }
}

// One thread's share: C (M, N) = ... with the packing buffers of `slot`.
// A, B, C already point at this share's first row/column. direct_a/direct_b:
// read A/B in place instead of packing (B only when not transposed).
static void gemm_serial(const gemm_isa *isa, const sn_gemm_a *A, int tb, int M, int N, int K,
                        float alpha, const float *B, int ldb, float beta, float *C, int ldc, int ct,
                        int slot, int direct_a, int direct_b, const gemm_epilogue *ep) {
    float *const pb[2] = {pack_b_buf[slot], pack_b_buf[slot]};  // one thread: no need to alternate
    gemm_team_shared_b(isa, 0, 1, 1, pack_a_buf[slot], pb, A, tb, M, N, K, alpha, B, ldb,
                       beta, C, ldc, ct, direct_a, direct_b, ep);
}

#ifdef _OPENMP
// Thread t of T, N split: a contiguous range of NR-column panels, serially.
static void gemm_part_n(const gemm_isa *isa, int t, int T, int slot, const sn_gemm_a *A, int tb,
                        int M, int N, int K, float alpha, const float *B, int ldb, float beta,
                        float *C, int ldc, int ct, int direct, const gemm_epilogue *ep) {
    const int unit = isa->nr, units = (N + unit - 1) / unit;
    const int u0 = (int)((long)units * t / T), u1 = (int)((long)units * (t + 1) / T);
    const int lo = u0 * unit, hi = imin(u1 * unit, N);
    if (lo >= hi) return;
    const float *b = tb ? B + (size_t)lo * ldb : B + lo;
    // This share's columns are the product's lo..hi: its bias starts at lo
    // (with ct they are C's rows, and the bias follows the product's rows).
    gemm_epilogue share;
    if (ep) share = (gemm_epilogue){ct ? ep->bias : ep->bias + lo, ep->relu};
    gemm_serial(isa, A, tb, M, hi - lo, K, alpha, b, ldb, beta,
                ct ? C + (size_t)lo * ldc : C + lo, ldc, ct, slot, direct & 1, direct & 2, ep ? &share : NULL);
}
#endif

// Largest share over the mean share when `units` equal units, the last one
// costing `last` of a full one, are cut into T contiguous ranges as the
// splits cut them (1: an even split; 1e300: fewer units than threads).
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

// op(A) is (M, K) (floats or bytes, see sn_gemm_a), op(B) is (K, N), C is (M, N).
// ep: the inference epilogue (then alpha is 1 and beta 0), or NULL.
static void gemm_driver(const gemm_isa *isa, int nthreads, sn_gemm_a a, int trans_b, int M, int N, int K,
                        float alpha, const float *B, int ldb, float beta, float *C, int ldc,
                        const gemm_epilogue *ep) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        if (beta != 1.0f) scale_c(M, N, beta, C, ldc);
        if (ep) apply_epilogue(ep, 0, 0, 0, M, N, C, ldc);
        return;
    }
    // Few rows (one sample): the matrix-vector kernel, same bits (gemm_gemv.c).
    if (M <= (trans_b ? imin(isa->gemv_max_m, SN_GEMM_GEMV_MAX_M_BT) : isa->gemv_max_m)) {
        int nth = 1;
#ifdef _OPENMP
        if (2.0 * M * N * K >= SN_GEMM_PAR_FLOPS || 4.0 * N * K >= SN_GEMV_PAR_BYTES)
            nth = nthreads < 1 ? 1 : imin(nthreads, SN_GEMM_MAX_THREADS);
#endif
        sn_gemm_gemv(isa->gemv, nth, &a, trans_b, M, N, K, k_block(K, isa->kc), alpha, B, ldb, beta, C, ldc,
                     ep != NULL, ep ? ep->bias : NULL, ep ? ep->relu : 0);
        return;
    }
    // Few columns: compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead, storing each tile
    // transposed. Every element is still one FMA per k in k order, then the
    // same alpha/beta operations: the same bits. N = 8 exactly fills a half
    // panel and is not transposed (there, as for N > SMALL_N, the transposed
    // form is the slower one).
    int ct = 0;
    if (a.f && N <= isa->small_n && N != isa->nr / 2 && M >= 2 * isa->nr) {
        const sn_gemm_a bt = sn_gemm_a_floats(B, ldb, !trans_b);
        B = a.f; ldb = a.ld; trans_b = !a.trans;
        a = bt;
        int t = M; M = N; N = t;
        ct = 1;
    }
    int nth = 1;
#ifdef _OPENMP
    if (2.0 * M * N * K >= SN_GEMM_PAR_FLOPS) nth = nthreads < 1 ? 1 : imin(nthreads, SN_GEMM_MAX_THREADS);
#else
    (void)nthreads;
#endif
    // Bit 0: read A in place, bit 1: B. Past direct_both only Aᵀ is read in
    // place (MR consecutive floats per k). Bytes are always packed (converted).
    const double mnk = (double)M * N * K;
    int direct = mnk <= isa->direct_both ? 3 : mnk <= SN_GEMM_DIRECT_MNK && a.trans ? 1 : 0;
    if (!a.trans && !isa->rows_in_place) direct &= ~1;
    if (!a.f) direct &= ~1;
    const int mt = (M + isa->mr - 1) / isa->mr, nt = (N + isa->nr - 1) / isa->nr;
    // Split the dimension whose strips/panels share out most evenly (M = 100
    // is 17 strips, the last of 4 rows; N = 256 is 16 panels). M wins ties
    // within 1 %: there B is packed once for the team, on the N split A is
    // packed by every thread.
    const int split_m = split_imbalance(mt, last_strip_cost(M, isa->mr), nth) <=
                        1.01 * split_imbalance(nt, N % isa->nr == 0 ? 1.0 : N % isa->nr <= isa->nr / 2 ? 0.5 : 1.0, nth);
    if (nth > (split_m ? mt : nt)) nth = split_m ? mt : nt;
    const unsigned taken = acquire_slots(nth);
    int slots[SN_GEMM_MAX_THREADS], nslots = 0;
    for (int s = 0; s < SN_GEMM_MAX_THREADS; s++)
        if (taken & (1u << s)) slots[nslots++] = s;
    if (nth > nslots) nth = nslots;
    if (nth <= 1) {
        gemm_serial(isa, &a, trans_b, M, N, K, alpha, B, ldb, beta, C, ldc, ct, slots[0],
                    direct & 1, direct & 2, ep);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
        {
            int T = omp_get_num_threads();  // may be fewer than asked (nesting)
            if (T > nslots) T = nslots;
            int t = omp_get_thread_num();
            if (split_m) {
                // Every team member takes part (barriers); rows go to the first T.
                float *const pb[2] = {pack_b_buf[slots[0]], pack_b_buf[slots[1]]};
                gemm_team_shared_b(isa, t, omp_get_num_threads(), T, t < T ? pack_a_buf[slots[t]] : NULL,
                                   pb, &a, trans_b, M, N, K, alpha, B, ldb, beta, C, ldc, ct,
                                   direct & 1, direct & 2, ep);
            } else if (t < T) {
                gemm_part_n(isa, t, T, slots[t], &a, trans_b, M, N, K, alpha, B, ldb, beta, C, ldc, ct, direct, ep);
            }
        }
#endif
    }
    release_slots(taken);
}

int sn_sgemm_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_a, int trans_b, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc) {
    if (!sn_gemm_kernel_supported(kernel)) return -1;
    const gemm_isa isa = isa_for(kernel);  // a cached CPU-feature read: cheap
    gemm_driver(&isa, nthreads, sn_gemm_a_floats(A, lda, trans_a), trans_b, M, N, K, alpha, B, ldb, beta, C, ldc, NULL);
    return 0;
}

int sn_sgemm_bytes_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_b, int M, int N, int K,
                               float scale, const uint8_t *X, int ldx, const float *B, int ldb,
                               float beta, float *C, int ldc) {
    if (!sn_gemm_kernel_supported(kernel)) return -1;
    const gemm_isa isa = isa_for(kernel);
    gemm_driver(&isa, nthreads, sn_gemm_a_bytes(X, ldx, scale), trans_b, M, N, K, 1.0f, B, ldb, beta, C, ldc, NULL);
    return 0;
}

void sn_sgemm(int nthreads, int trans_a, int trans_b, int M, int N, int K,
              float alpha, const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    sn_sgemm_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb,
                         beta, C, ldc);
}

void sn_sgemm_bytes(int nthreads, int trans_b, int M, int N, int K, float scale, const uint8_t *X, int ldx,
                    const float *B, int ldb, float beta, float *C, int ldc) {
    sn_sgemm_bytes_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, trans_b, M, N, K, scale, X, ldx, B, ldb,
                               beta, C, ldc);
}

int sn_sgemm_bias_act_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_a, int trans_b, int M, int N, int K,
                                  const float *A, int lda, const float *B, int ldb, const float *bias, int relu,
                                  float *C, int ldc) {
    if (!sn_gemm_kernel_supported(kernel)) return -1;
    const gemm_isa isa = isa_for(kernel);
    const gemm_epilogue ep = {bias, relu != 0};
    gemm_driver(&isa, nthreads, sn_gemm_a_floats(A, lda, trans_a), trans_b, M, N, K, 1.0f, B, ldb, 0.0f, C, ldc, &ep);
    return 0;
}

int sn_sgemm_bytes_bias_act_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_b, int M, int N, int K,
                                        float scale, const uint8_t *X, int ldx, const float *B, int ldb,
                                        const float *bias, int relu, float *C, int ldc) {
    if (!sn_gemm_kernel_supported(kernel)) return -1;
    const gemm_isa isa = isa_for(kernel);
    const gemm_epilogue ep = {bias, relu != 0};
    gemm_driver(&isa, nthreads, sn_gemm_a_bytes(X, ldx, scale), trans_b, M, N, K, 1.0f, B, ldb, 0.0f, C, ldc, &ep);
    return 0;
}

void sn_sgemm_bias_act(int nthreads, int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                       const float *B, int ldb, const float *bias, int relu, float *C, int ldc) {
    sn_sgemm_bias_act_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, trans_a, trans_b, M, N, K, A, lda, B, ldb,
                                  bias, relu, C, ldc);
}

void sn_sgemm_bytes_bias_act(int nthreads, int trans_b, int M, int N, int K, float scale, const uint8_t *X, int ldx,
                             const float *B, int ldb, const float *bias, int relu, float *C, int ldc) {
    sn_sgemm_bytes_bias_act_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, trans_b, M, N, K, scale, X, ldx, B, ldb,
                                        bias, relu, C, ldc);
}
