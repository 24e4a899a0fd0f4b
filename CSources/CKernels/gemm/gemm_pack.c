/*
 * gemm_pack.c — packing routines (see gemm_pack.h). On x86-64 CPUs with AVX2
 * the full 6- and 12-row A strips and 16- and 32-column B panels go through 8x8 transposes
 * instead of one scalar store per float; every other strip or panel (and
 * every CPU without AVX2) takes the scalar loops. Either way the packed
 * values are the same.
 */
#include "ckernels.h"
#include "gemm_pack.h"
#include "gemm_transpose8x8.h"

// Ragged strips/panels copy a few floats per k, which clang turns into a
// memcpy and a memset call each; plain stores are cheaper at that length.
#if defined(__clang__)
#define SN_NO_LIBC_COPIES __attribute__((no_builtin("memcpy", "memset", "memmove")))
#else
#define SN_NO_LIBC_COPIES
#endif

#ifdef SN_X86
#define SN_PACK_AVX2 __attribute__((target("avx2")))

static int cpu_has_avx2(void) { return __builtin_cpu_supports("avx2") && sn_isa_limit() >= SN_ISA_LEVEL_AVX2; }

// A full 6-row strip of row-major A: 8 floats of each row, transposed 8x8
// (two zero rows), stored as 8 columns at 6-float steps, each store's 2
// trailing zeros overwritten by the next. The last store writes 2 floats past
// the strip: the A packing buffer has the slack (SN_GEMM_PACK_A_SLACK).
SN_PACK_AVX2 static void pack_a6_rows(const float *restrict A, int lda, int kc, float *restrict dst) {
    const float *row[6];
    for (int i = 0; i < 6; i++) row[i] = A + (size_t)i * lda;
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r[8], c[8];
        for (int i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(row[i] + k);
        r[6] = r[7] = _mm256_setzero_ps();
        sn_transpose8x8(r, c);
        float *d = dst + (size_t)k * 6;
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + 6 * j, c[j]);  // in order: each overwrites 2 zeros
    }
    for (; k < kc; k++)
        for (int i = 0; i < 6; i++) dst[(size_t)k * 6 + i] = row[i][k];
}

// A full 6-row strip of bytes: 8 bytes of each row widened to floats and
// scaled ((float)x · scale, as sn_gather_bytes_to_float converts), then as
// pack_a6_rows. ahead > 0: also asks for the same columns `ahead` rows
// further on, one line per row every 64 bytes (streaming a test set from L3
// or memory, two strips ahead hid most of the latency).
SN_PACK_AVX2 static void pack_a6_bytes(const uint8_t *restrict A, int lda, int kc,
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
        sn_transpose8x8(r, c);
        float *d = dst + (size_t)k * 6;
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + 6 * j, c[j]);
    }
    for (; k < kc; k++)
        for (int i = 0; i < 6; i++) dst[(size_t)k * 6 + i] = (float)row[i][k] * scale;
}

// Eight columns of a 12-row strip, r[i] holding row i's 8 values: two 8x8
// transposes (rows 0-7, and rows 8-11 over 4 zero rows) stored as 8 columns
// of 12 floats, dst[j*12 + i] = r[i][j]; nothing past the 96 floats.
SN_PACK_AVX2 static inline void store_columns12(const __m256 r[12], float *restrict d) {
    __m256 lo[8], hi[8], c[8], e[8];
    for (int i = 0; i < 8; i++) lo[i] = r[i];
    for (int i = 0; i < 4; i++) hi[i] = r[8 + i];
    hi[4] = hi[5] = hi[6] = hi[7] = _mm256_setzero_ps();
    sn_transpose8x8(lo, c);
    sn_transpose8x8(hi, e);
    for (int j = 0; j < 8; j++) {
        _mm256_storeu_ps(d + 12 * j, c[j]);
        _mm_storeu_ps(d + 12 * j + 8, _mm256_castps256_ps128(e[j]));
    }
}

// A full 12-row strip (the AVX-512 kernel's MR) of row-major A: 8 floats of
// each row per step through store_columns12.
SN_PACK_AVX2 static void pack_a12_rows(const float *restrict A, int lda, int kc, float *restrict dst) {
    const float *row[12];
    for (int i = 0; i < 12; i++) row[i] = A + (size_t)i * lda;
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r[12];
        for (int i = 0; i < 12; i++) r[i] = _mm256_loadu_ps(row[i] + k);
        store_columns12(r, dst + (size_t)k * 12);
    }
    for (; k < kc; k++)
        for (int i = 0; i < 12; i++) dst[(size_t)k * 12 + i] = row[i][k];
}

// A full 12-row strip of bytes, converted as pack_a6_bytes converts, stored
// as pack_a12_rows stores; `ahead` as in pack_a6_bytes.
SN_PACK_AVX2 static void pack_a12_bytes(const uint8_t *restrict A, int lda, int kc,
                                        float scale, float *restrict dst, int ahead) {
    const uint8_t *row[12];
    for (int i = 0; i < 12; i++) row[i] = A + (size_t)i * lda;
    const __m256 vs = _mm256_set1_ps(scale);
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r[12];
        if (ahead && (k & 63) == 0)
            for (int i = 0; i < 12; i++) __builtin_prefetch(row[i] + (size_t)ahead * lda + k, 0, 3);
        for (int i = 0; i < 12; i++) {
            __m128i x = _mm_loadl_epi64((const __m128i *)(row[i] + k));
            r[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(x)), vs);
        }
        store_columns12(r, dst + (size_t)k * 12);
    }
    for (; k < kc; k++)
        for (int i = 0; i < 12; i++) dst[(size_t)k * 12 + i] = (float)row[i][k] * scale;
}

// A full panel of w = 16 or 32 columns of Bᵀ (B stored (N, K)): w/8 8x8
// transposes per 8 k. dst[k*w + j] = B[j*ldb + k].
SN_NO_LIBC_COPIES SN_PACK_AVX2 static void pack_b_panel_trans(const float *restrict B, int ldb, int kc, int w, float *restrict dst) {
    int k = 0;
    for (; k + 8 <= kc; k += 8) {
        for (int h = 0; h < w; h += 8) {
            __m256 r[8], c[8];
            for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(B + (size_t)(h + j) * ldb + k);
            sn_transpose8x8(r, c);
            float *d = dst + (size_t)k * w + h;
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(d + w * j, c[j]);
        }
    }
    for (; k < kc; k++)
        for (int j = 0; j < w; j++) dst[(size_t)k * w + j] = B[(size_t)j * ldb + k];
}

// A full panel of w = 16 or 32 columns of row-major B: w/8 vector copies per
// k (the plain loop compiles to a memcpy call per row).
SN_NO_LIBC_COPIES SN_PACK_AVX2 static void pack_b_panel_rows(const float *restrict B, int ldb, int kc, int w, float *restrict dst) {
    for (int k = 0; k < kc; k++) {
        const float *s = B + (size_t)k * ldb;
        for (int h = 0; h < w; h += 8) _mm256_storeu_ps(dst + (size_t)k * w + h, _mm256_loadu_ps(s + h));
    }
}
#endif

// op(A) from floats: see sn_gemm_pack_a_fn.
SN_NO_LIBC_COPIES static const float *pack_a_floats(const sn_gemm_a *src, int ic, int pc, int mc, int kc,
                                                    int mr, int from, float *restrict pa) {
    const int trans = src->trans, lda = src->ld;
    const float *A = trans ? src->f + (size_t)pc * lda + ic : src->f + (size_t)ic * lda + pc;
#ifdef SN_X86
    const int avx2 = cpu_has_avx2();
#endif
    for (int ip = from; ip < mc; ip += mr) {
        int m = sn_gemm_imin(mr, mc - ip);
        float *restrict dst = pa + (size_t)ip * kc;
        if (trans) {
            for (int k = 0; k < kc; k++) {
                const float *restrict s = A + (size_t)k * lda + ip;
                for (int i = 0; i < m; i++) dst[k * mr + i] = s[i];
                for (int i = m; i < mr; i++) dst[k * mr + i] = 0.0f;
            }
        } else {
#ifdef SN_X86
            if (mr == 6 && m == 6 && avx2) {
                pack_a6_rows(A + (size_t)ip * lda, lda, kc, dst);
                continue;
            }
            if (mr == 12 && m == 12 && avx2) {
                pack_a12_rows(A + (size_t)ip * lda, lda, kc, dst);
                continue;
            }
#endif
            for (int i = 0; i < m; i++) {
                const float *restrict s = A + (size_t)(ip + i) * lda;
                for (int k = 0; k < kc; k++) dst[k * mr + i] = s[k];
            }
            for (int i = m; i < mr; i++)
                for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.0f;
        }
    }
    return A;
}

// op(A) from bytes: A[i][k] = scale · X[i*ldx + k], packed straight from the
// bytes. A first layer at inference reads uint8 images; converting a batch to
// floats first writes 4 bytes per pixel (past L2 for a batch of 1000) that
// packing then reads back. Never read in place: `from` is ignored.
SN_NO_LIBC_COPIES static const float *pack_a_bytes(const sn_gemm_a *src, int ic, int pc, int mc, int kc,
                                 int mr, int from, float *restrict pa) {
    (void)from;
    const int ldx = src->ld;
    const float scale = src->scale;
    const uint8_t *X = src->u8 + (size_t)ic * ldx + pc;
#ifdef SN_X86
    const int avx2 = cpu_has_avx2();
#endif
    for (int ip = 0; ip < mc; ip += mr) {
        int m = sn_gemm_imin(mr, mc - ip);
        float *restrict dst = pa + (size_t)ip * kc;
#ifdef SN_X86
        if (mr == 6 && m == 6 && avx2) {
            // Prefetch only rows inside this block: X may end with it.
            pack_a6_bytes(X + (size_t)ip * ldx, ldx, kc, scale, dst, ip + 6 + 12 <= mc ? 12 : 0);
            continue;
        }
        if (mr == 12 && m == 12 && avx2) {
            pack_a12_bytes(X + (size_t)ip * ldx, ldx, kc, scale, dst, ip + 12 + 24 <= mc ? 24 : 0);
            continue;
        }
#endif
        for (int i = 0; i < m; i++) {
            const uint8_t *restrict s = X + (size_t)(ip + i) * ldx;
            for (int k = 0; k < kc; k++) dst[k * mr + i] = (float)s[k] * scale;
        }
        for (int i = m; i < mr; i++)
            for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.0f;
    }
    return NULL;
}

sn_gemm_a sn_gemm_a_floats(const float *A, int lda, int trans) {
    return (sn_gemm_a){.f = A, .ld = lda, .trans = trans, .scale = 1.0f, .pack = pack_a_floats};
}

sn_gemm_a sn_gemm_a_bytes(const uint8_t *X, int ldx, float scale) {
    return (sn_gemm_a){.u8 = X, .ld = ldx, .scale = scale, .pack = pack_a_bytes};
}

SN_NO_LIBC_COPIES void sn_gemm_pack_b(int trans, const float *restrict B, int ldb, int kc, int nc,
                                      int nr, int from, int to, float *restrict pb) {
#ifdef SN_X86
    const int avx2 = cpu_has_avx2();
#endif
    for (int jp = from; jp < to;) {
        int w = nc - jp > nr / 2 ? nr : nr / 2;
        int n = sn_gemm_imin(w, nc - jp);
        float *restrict dst = pb + (size_t)jp * kc;
#ifdef SN_X86
        if ((w == 16 || w == 32) && n == w && avx2) {
            if (trans) pack_b_panel_trans(B + (size_t)jp * ldb, ldb, kc, w, dst);
            else pack_b_panel_rows(B + jp, ldb, kc, w, dst);
            jp += w;
            continue;
        }
#endif
        if (trans) {
            for (int j = 0; j < n; j++) {
                const float *restrict s = B + (size_t)(jp + j) * ldb;
                for (int k = 0; k < kc; k++) dst[k * w + j] = s[k];
            }
            for (int j = n; j < w; j++)
                for (int k = 0; k < kc; k++) dst[k * w + j] = 0.0f;
        } else {
            for (int k = 0; k < kc; k++) {
                const float *restrict s = B + (size_t)k * ldb + jp;
                for (int j = 0; j < n; j++) dst[k * w + j] = s[j];
                for (int j = n; j < w; j++) dst[k * w + j] = 0.0f;
            }
        }
        jp += w;
    }
}
