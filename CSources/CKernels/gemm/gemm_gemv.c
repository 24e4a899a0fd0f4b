/*
 * gemm_gemv.c — products of few rows (M up to the path's SN_GEMM_GEMV_MAX_M_*:
 * one sample at inference): C = alpha·op(A)·op(B) + beta·C without the
 * micro-kernels, whose MR-row tiles would compute MR - M zero rows, and
 * without packing B. The path's matrix-vector kernel (gemm_gemv_*.c) takes
 * the rows of A against all of B's columns, B read in place in either layout.
 *
 * Same bits as the GEMM: K is cut into the same blocks (k_block in
 * gemm_driver.c), each element of a block summed with one FMA per k in k
 * order from zero and added to C as the micro-kernels add it (the first
 * block with beta·C, the next ones with 1·C), the epilogue after the last.
 * So a row comes out the same whether it is computed here or inside a larger
 * product, at any thread count.
 *
 * A is read in place when its rows are contiguous floats; Aᵀ and bytes
 * (scale·X, converted as the packers convert) are first copied, one K block
 * of a few rows at a time, to the stack. No heap.
 *
 * Threads (OpenMP, at and above SN_GEMM_PAR_FLOPS as the GEMM): contiguous
 * ranges of 32 columns; each element is still summed by one thread.
 */
#include "ckernels.h"
#include "gemm_gemv.h"

#ifdef _OPENMP
int omp_get_thread_num(void);
int omp_get_num_threads(void);
#endif

// Rows of A copied to the stack at once (4 · SN_GEMM_KC floats: 8 KB).
#define GROUP 4

// Columns [0, N) of the product, the serial algorithm.
static void gemv_serial(sn_gemv_fn fn, const sn_gemm_a *A, int tb, int M, int N, int K, int kcb, float alpha,
                        const float *B, int ldb, float beta, float *C, int ldc, int ep, const float *bias, int relu) {
    float rows[GROUP * SN_GEMM_KC] __attribute__((aligned(64)));
    for (int i0 = 0; i0 < M; i0 += GROUP) {
        const int m = sn_gemm_imin(GROUP, M - i0);
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = sn_gemm_imin(kcb, K - pc);
            sn_gemv_block g;
            if (A->f && !A->trans) {
                g.a = A->f + (size_t)i0 * A->ld + pc;
                g.lda = A->ld;
            } else {
                for (int i = 0; i < m; i++) {
                    float *restrict d = rows + (size_t)i * kc;
                    if (A->f) {
                        const float *restrict s = A->f + (size_t)pc * A->ld + i0 + i;
                        for (int k = 0; k < kc; k++) d[k] = s[(size_t)k * A->ld];
                    } else {
                        const uint8_t *restrict s = A->u8 + (size_t)(i0 + i) * A->ld + pc;
                        for (int k = 0; k < kc; k++) d[k] = (float)s[k] * A->scale;
                    }
                }
                g.a = rows;
                g.lda = kc;
            }
            g.m = m;
            g.n = N;
            g.kc = kc;
            g.b = tb ? B + pc : B + (size_t)pc * ldb;
            g.ldb = ldb;
            g.trans_b = tb;
            g.c = C + (size_t)i0 * ldc;
            g.ldc = ldc;
            g.alpha = alpha;
            g.beta = pc == 0 ? beta : 1.0f;
            g.ep = ep && pc + kc == K;
            g.bias = bias;
            g.relu = relu;
            fn(&g);
        }
    }
}

void sn_gemm_gemv(sn_gemv_fn fn, int nth, const sn_gemm_a *A, int tb, int M, int N, int K, int kcb, float alpha,
                  const float *B, int ldb, float beta, float *C, int ldc, int ep, const float *bias, int relu) {
    const int unit = 32, units = (N + unit - 1) / unit;
    if (nth > units) nth = units;
#ifdef _OPENMP
    if (nth > 1) {
#pragma omp parallel num_threads(nth)
        {
            const int T = omp_get_num_threads(), t = omp_get_thread_num();
            const int lo = (int)((long)units * t / T) * unit;
            const int hi = sn_gemm_imin((int)((long)units * (t + 1) / T) * unit, N);
            if (lo < hi)
                gemv_serial(fn, A, tb, M, hi - lo, K, kcb, alpha, tb ? B + (size_t)lo * ldb : B + lo, ldb, beta,
                            C + lo, ldc, ep, ep ? bias + lo : NULL, relu);
        }
        return;
    }
#endif
    gemv_serial(fn, A, tb, M, N, K, kcb, alpha, B, ldb, beta, C, ldc, ep, bias, relu);
}
