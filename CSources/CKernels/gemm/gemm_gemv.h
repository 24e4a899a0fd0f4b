/*
 * gemm_gemv.h — the driver's entry to products of few rows (gemm_gemv.c).
 */
#ifndef SN_GEMM_GEMV_H
#define SN_GEMM_GEMV_H

#include "gemm_pack.h"

// C (M, N) = alpha·op(A)·op(B) + beta·C through the matrix-vector kernel fn,
// K in blocks of kcb (the GEMM's k_block), then (ep) bias[j] and the ReLU
// (relu). nth: threads to use (1: the calling thread).
SN_GEMM_HIDDEN void sn_gemm_gemv(sn_gemv_fn fn, int nth, const sn_gemm_a *A, int tb, int M, int N, int K, int kcb,
                                 float alpha, const float *B, int ldb, float beta, float *C, int ldc,
                                 int ep, const float *bias, int relu);

#endif
