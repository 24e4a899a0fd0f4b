/*
 * qgemm_kernel_avx512_vnni.c — the int8 product on AVX-512 VNNI: an 8-row ×
 * 32-channel tile (two panels) in 16 zmm accumulators, one vpdpbusd per row,
 * panel and group of 4 k (u8 activations × s8 weights summed straight into
 * int32, no intermediate saturation), with 4- and 1-row and 16-channel
 * variants for the edges. Rows stored contiguously (cs 1) go through vector code
 * that performs the output stage's operations exactly (cvtdq2ps, one
 * multiply, round to nearest even, clamp).
 */
#include "qgemm_internal.h"

#ifdef SN_QX86
#define SN_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))
#define MR 8

static inline __attribute__((always_inline)) SN_VNNI void
store16(__m512i acc, long i, int j0, int nc, const sn_qgemm_output *o) {
    if (o->cs != 1) {
        int32_t sums[16];
        _mm512_storeu_si512(sums, acc);
        sn_qgemm_store_row(sums, i, j0, nc, o);
        return;
    }
    const __mmask16 m = (__mmask16)((1u << nc) - 1);
    __m512i s = _mm512_add_epi32(acc, _mm512_maskz_loadu_epi32(m, o->bias + j0));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_maskz_loadu_ps(m, o->scale + j0));
    if (o->out_u8) {
        __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        r = _mm512_max_ps(r, _mm512_set1_ps((float)(o->lo - o->zero_point)));
        r = _mm512_min_ps(r, _mm512_set1_ps((float)(255 - o->zero_point)));
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(r), _mm512_set1_epi32(o->zero_point));
        _mm_mask_storeu_epi8(o->out_q + i * o->rs + j0, m, _mm512_cvtepi32_epi8(q));
    } else {
        if (o->relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(o->out_f + i * o->rs + j0, m, v);
    }
}

// Rows i0 .. i0+mr-1, panels p and (nv == 2) p+1.
static inline __attribute__((always_inline)) SN_VNNI void
tile(const int mr, const int nv, int i0, int p, int N, int K, const uint8_t *A, int lda,
     const int8_t *panels, const sn_qgemm_output *out) {
    const int G = sn_qgemm_groups(K), full = K / 4;
    const int8_t *w0 = panels + (size_t)p * G * 64, *w1 = w0 + (size_t)G * 64;
    const uint8_t *a = A + (size_t)i0 * lda;
    __m512i acc[MR][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
    for (int g = 0; g < full; g++) {
        __m512i b0 = _mm512_loadu_si512(w0 + (size_t)g * 64);
        __m512i b1 = nv == 2 ? _mm512_loadu_si512(w1 + (size_t)g * 64) : b0;
        for (int i = 0; i < mr; i++) {
            int32_t a4;
            memcpy(&a4, a + (size_t)i * lda + 4 * g, 4);
            __m512i av = _mm512_set1_epi32(a4);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
            if (nv == 2) acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
        }
    }
    if (full < G) {
        __m512i b0 = _mm512_loadu_si512(w0 + (size_t)full * 64);
        __m512i b1 = nv == 2 ? _mm512_loadu_si512(w1 + (size_t)full * 64) : b0;
        for (int i = 0; i < mr; i++) {
            __m512i av = _mm512_set1_epi32((int)sn_qgemm_a4(a + (size_t)i * lda, full, K));
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
            if (nv == 2) acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
        }
    }
    for (int v = 0; v < nv; v++) {
        int j0 = 16 * (p + v), nc = N - j0 < 16 ? N - j0 : 16;
        if (out->pool4 && mr >= 4) {  // 8 or 4 rows from a multiple of 4: whole pooling windows
            for (int w = 0; w < mr; w += 4) {
                __m512i m = _mm512_max_epi32(_mm512_max_epi32(acc[w][v], acc[w + 1][v]),
                                             _mm512_max_epi32(acc[w + 2][v], acc[w + 3][v]));
                store16(m, (i0 + w) / 4, j0, nc, out);
            }
            continue;
        }
        for (int i = 0; i < mr; i++) store16(acc[i][v], i0 + i, j0, nc, out);
    }
}

SN_VNNI void sn_qgemm_block_avx512_vnni(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                                        int lda, const int8_t *panels, const sn_qgemm_output *out) {
    for (int p = p0; p < p1; p += 2) {
        const int nv = p + 1 < p1 ? 2 : 1;
        int i = m0;
        if (nv == 2) {
            for (; i + 8 <= m1; i += 8) tile(8, 2, i, p, N, K, A, lda, panels, out);
            for (; i + 4 <= m1; i += 4) tile(4, 2, i, p, N, K, A, lda, panels, out);
            for (; i < m1; i++) tile(1, 2, i, p, N, K, A, lda, panels, out);
        } else {
            for (; i + 8 <= m1; i += 8) tile(8, 1, i, p, N, K, A, lda, panels, out);
            for (; i + 4 <= m1; i += 4) tile(4, 1, i, p, N, K, A, lda, panels, out);
            for (; i < m1; i++) tile(1, 1, i, p, N, K, A, lda, panels, out);
        }
    }
}
#endif
