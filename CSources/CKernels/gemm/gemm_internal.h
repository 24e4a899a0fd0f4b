/*
 * gemm_internal.h — what the GEMM's files share: the unit of work handed to a
 * macro-kernel, the macro-kernels of each instruction set, and the tile store
 * the 6x16 paths use for partial tiles. Not part of the public header.
 */
#ifndef SN_GEMM_INTERNAL_H
#define SN_GEMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "gemm_blocking.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SN_X86 1
#include <immintrin.h>
#endif

// The generic paths: 8-float vectors, one clone per instruction-set level.
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// s in every lane, as a vector literal: (v8){0} + s is not an identity
// (0 + −0 = +0), so it costs an add and a zero register per broadcast.
static inline __attribute__((always_inline)) v8 splat8(float s) { return (v8){s, s, s, s, s, s, s, s}; }
#ifdef SN_X86
#define SN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SN_CLONES
#endif

// Shared between the GEMM's files, hidden from the library's users.
#define SN_GEMM_HIDDEN __attribute__((visibility("hidden")))

static inline int sn_gemm_imin(int a, int b) { return a < b ? a : b; }

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
    float *c; int ldc;                         // C block (mc, nc)
    int c_trans;                               // C holds the transpose (see gemm_driver.c)
    float alpha, beta;
} sn_gemm_block;

typedef void (*sn_gemm_macro_fn)(const sn_gemm_block *);

// Macro-kernels: every (MR x NR) tile of the block through one micro-kernel.
// 6x16 on 8-float vectors, any x86-64 (target_clones) or other architecture.
SN_GEMM_HIDDEN void sn_gemm_macro_generic(const sn_gemm_block *g);
#ifdef SN_X86
// 6x16 with AVX2+FMA intrinsics. Call only when the CPU has AVX2 and FMA.
SN_GEMM_HIDDEN void sn_gemm_macro_avx2(const sn_gemm_block *g);
// 12x32 with AVX-512. Call only when the CPU is x86-64-v4. Ignores c_trans
// (the driver never transposes on this path).
SN_GEMM_HIDDEN void sn_gemm_macro_avx512(const sn_gemm_block *g);
#endif

// One K block of a product of few rows (gemm_gemv.c): C (m, n) = alpha·A·op(B)
// + beta·C, A's rows contiguous in k, then (ep) the inference epilogue. Each
// element as a micro-kernel computes it: one FMA per k in k order from zero,
// alpha·sum + beta·C rounded separately (C not read when beta is 0), then
// + bias[j] and the ReLU (v > 0 ? v : 0). Same bits as the micro-kernels.
typedef struct {
    int m, n, kc;
    const float *a; int lda;               // A[i][k] = a[i*lda + k]
    const float *b; int ldb, trans_b;      // op(B)[k][j] = b[k*ldb + j], or b[j*ldb + k] if trans_b
    float *c; int ldc;
    float alpha, beta;
    int ep; const float *bias; int relu;   // ep: add bias[j], then ReLU if relu
} sn_gemv_block;

typedef void (*sn_gemv_fn)(const sn_gemv_block *);

// Matrix-vector kernels, any m (rows taken a few at a time).
SN_GEMM_HIDDEN void sn_gemv_generic(const sn_gemv_block *g);
#ifdef SN_X86
// Call only when the CPU has AVX2 and FMA.
SN_GEMM_HIDDEN void sn_gemv_avx2(const sn_gemv_block *g);
// Call only when the CPU is x86-64-v4.
SN_GEMM_HIDDEN void sn_gemv_avx512(const sn_gemv_block *g);
#endif

// Partial tiles of the 6x16 paths: C = alpha*t + beta*C, with the same
// separately rounded operations as the full-tile vector stores, so an element
// comes out the same whether its tile is full or partial.
// t is (m, ldt); C is (m, n) with row stride ldc, or with ct (the product was
// computed transposed) its transpose: the tile's (i, j) is C[j*ldc + i].
SN_GEMM_HIDDEN void sn_gemm_store_tile(int m, int n, const float *restrict t, int ldt,
                                       float *restrict C, int ldc, int ct, float alpha, float beta);

// Asks for the m rows of n floats at C (stride ldc) ahead of a micro-kernel
// call: the tile is loaded (beta != 0) or stored only after the k loop, and in
// a large product its rows sit in L3 or memory, one strided line per row;
// requested before the loop, they arrive while it runs.
static inline __attribute__((always_inline)) void sn_gemm_prefetch_tile(const float *C, int ldc, int m, int n) {
    for (int i = 0; i < m; i++) {
        __builtin_prefetch(C + (size_t)i * ldc, 1, 3);
        __builtin_prefetch(C + (size_t)i * ldc + n - 1, 1, 3);
    }
}

#endif
