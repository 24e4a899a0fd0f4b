/*
 * gemm_blocking.h — every blocking constant of the GEMM, per instruction set,
 * in one place (BLIS keeps these in config/<arch>/).
 *
 * Cache sizes they were chosen for: Zen 4/5 (AVX-512 path) 48 KB L1d and
 * 1 MB L2 per core; Zen 3 (AVX2 path) 32 KB L1d and 512 KB L2 per core.
 * Measure a change with Benchmarks/cbench/run_gemm_bench.sh (ScratchNet
 * against OpenBLAS, per shape and thread count).
 *
 * KC is also the length of every partial sum: each K block adds its sum into
 * C in K order, so changing KC changes the results (and the trained weights).
 * One KC on every path keeps the bits the same on every FMA machine; the test
 * gemmSumsKInBlocksOfAtMost512 pins it.
 */
#ifndef SN_GEMM_BLOCKING_H
#define SN_GEMM_BLOCKING_H

// Packing-buffer sets (one per thread of a product); .bss, untouched pages cost nothing.
#define SN_GEMM_MAX_THREADS 16

// Longest K block, every path: long blocks amortise loading and storing the C tile.
#define SN_GEMM_KC 512
// A block rows, every path: the packed A block (MC x KC = 192 KB) stays in L2; a multiple of both MRs.
#define SN_GEMM_MC 96
// B block columns (AVX-512 and generic paths): the packed B block (KC x NC = 2 MB) lives in L2/L3.
#define SN_GEMM_NC 1024
// B block columns on the AVX2 path: its CPUs have a 512 KB L2; at most SN_GEMM_NC (buffer size).
#define SN_GEMM_NC_AVX2 512

// AVX-512 micro-kernel tile: 12 x 32 = 24 zmm accumulators of the 32 registers.
#define SN_GEMM_MR_AVX512 12
#define SN_GEMM_NR_AVX512 32
// AVX2 and generic micro-kernel tile: 6 x 16 = 12 ymm accumulators of the 16 registers.
#define SN_GEMM_MR_6X16 6
#define SN_GEMM_NR_6X16 16
// Largest MR of any path (sizes tile buffers).
#define SN_GEMM_MR_MAX 12

// Products below this many flops run on the calling thread: waking a second
// thread costs microseconds, and small parallel regions collapse under CPU
// contention. Measure: Benchmarks/cbench/run_gemm_bench.sh head 15 1,2 (the
// batch-100 heads, 0.2 MFLOP, against the batch-1000 head, 2 MFLOP).
#define SN_GEMM_PAR_FLOPS 2.0e6
// Matrix-vector products whose B is at least this many bytes also run on
// every thread: B comes from L3 or memory on every call, and each core
// brings its share into its own L2.
#define SN_GEMV_PAR_BYTES (512.0 * 1024)
// Up to this M·N·K, A (and B if not transposed) are read in place instead of
// packed: packing would cost as much as the arithmetic.
#define SN_GEMM_DIRECT_MNK 48.0e6
// The AVX2 path's in-place limit for both operands (its 32 KB L1d misses on
// six strided A rows or a strided B sooner); past it only Aᵀ is read in place.
#define SN_GEMM_DIRECT_MNK_AVX2 4.0e6
// Products with at most this many columns run transposed on the 6x16 paths
// (rows fill the 16-wide panels instead of few columns filling few lanes).
#define SN_GEMM_SMALL_N 12

// Products of at most this many rows (per path) skip the micro-kernels for
// the matrix-vector kernels (gemm_gemv.c): an MR-row tile on one row does
// MR times the work. Each limit is the largest M at which the path won on
// every Affine shape of the presets (AVX-512 at 1 and 2 threads; serially it
// wins there up to M = 16, at 2 threads not always past 4); with Bᵀ (rows
// transposed in registers, two rows a pass) at most SN_GEMM_GEMV_MAX_M_BT.
// Measure: Benchmarks/cbench/run_gemv_ab.sh (GEMV_MAX_M=16 ... 3 16 [threads]).
#ifndef SN_GEMM_GEMV_MAX_M_AVX512
#define SN_GEMM_GEMV_MAX_M_AVX512 4
#endif
#ifndef SN_GEMM_GEMV_MAX_M_AVX2
#define SN_GEMM_GEMV_MAX_M_AVX2 2
#endif
#ifndef SN_GEMM_GEMV_MAX_M_GENERIC
#define SN_GEMM_GEMV_MAX_M_GENERIC 2
#endif
#ifndef SN_GEMM_GEMV_MAX_M_BT
#define SN_GEMM_GEMV_MAX_M_BT 2
#endif

#endif
