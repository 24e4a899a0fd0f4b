/*
 * gemm_pack.h — packing op(A) and op(B) blocks into the micro-kernels'
 * k-major micro-panels. Packing only copies (or, for bytes, converts exactly
 * as sn_gather_bytes_to_float does): it never changes a result's bits.
 */
#ifndef SN_GEMM_PACK_H
#define SN_GEMM_PACK_H

#include "gemm_internal.h"

// Floats an A packing buffer needs past MC x KC: pack_a6_rows stores 2 past a strip.
#define SN_GEMM_PACK_A_SLACK 8

typedef struct sn_gemm_a sn_gemm_a;

// Packs rows [ic, ic+mc) x columns [pc, pc+kc) of op(A) into ceil(mc/mr)
// strips, each (kc, mr): pa[ip*kc + k*mr + i] = op(A)[ic + ip + i][pc + k],
// for the strips ip = from, from + mr, ... (the earlier ones are read in
// place); rows past mc are zero. Returns the block's address in the source
// for in-place reads (NULL when the source cannot be read in place).
typedef const float *(*sn_gemm_pack_a_fn)(const sn_gemm_a *src, int ic, int pc, int mc, int kc,
                                          int mr, int from, float *restrict pa);

// op(A) as the driver sees it: floats in either layout, or row-major bytes
// scaled on the fly (sn_sgemm_bytes). The packer is chosen once, by source
// type, when the source is made; the driver only calls it.
struct sn_gemm_a {
    const float *f;      // float source (op(A)[i][k] = f[i*ld + k], or f[k*ld + i] if trans), or NULL
    const uint8_t *u8;   // byte source (op(A)[i][k] = scale · u8[i*ld + k]), or NULL
    int ld, trans;
    float scale;
    sn_gemm_pack_a_fn pack;
};

SN_GEMM_HIDDEN sn_gemm_a sn_gemm_a_floats(const float *A, int lda, int trans);
SN_GEMM_HIDDEN sn_gemm_a sn_gemm_a_bytes(const uint8_t *X, int ldx, float scale);

// op(B) block rows [0,kc) x columns [0,nc) -> column panels of width nr,
// except a last panel of width nr/2 when at most nr/2 columns remain (less
// padding for N = 10, 30, 100 ...). Panels starting at columns jp in
// [from, to) (from a multiple of nr) hold pb[jp*kc + k*w + j] = op(B)[k][jp + j];
// columns past nc are zero. op(B)[k][j] is B[k*ldb+j] (or B[j*ldb+k] if trans).
SN_GEMM_HIDDEN void sn_gemm_pack_b(int trans, const float *restrict B, int ldb, int kc, int nc,
                                   int nr, int from, int to, float *restrict pb);

#endif
