/*
 * qgemm_driver.c — the int8 product's entry points: weight packing, the
 * choice of path by CPU features, the split over threads, and the
 * quantized convolution (im2col of uint8 images, then the same product).
 *
 * Threads (the caller's count, only when M·N·K >= PAR_MNK): rows are split
 * in strips of 8 when there are enough of them for every thread, else the
 * 16-channel panels are (batch 1). Each output element is summed by one
 * thread, exactly, so the result never depends on the split.
 */
#include "qgemm_internal.h"
#include "../parallel_ranges.h"
#include <stdlib.h>

#define PAR_MNK SN_QGEMM_PAR_MNK
#define STRIP 8

int sn_qgemm_kernel_supported(sn_qgemm_kernel kernel) {
    switch (kernel) {
    case SN_QGEMM_KERNEL_AUTO:
    case SN_QGEMM_KERNEL_GENERIC:
        return 1;
#ifdef SN_QX86
    case SN_QGEMM_KERNEL_AVX2:
    case SN_QGEMM_KERNEL_AVX2_WIDENING:
        return __builtin_cpu_supports("avx2");
    case SN_QGEMM_KERNEL_AVX512_VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni");
#endif
    default:
        return 0;
    }
}

sn_qgemm_block_fn sn_qgemm_block_for(sn_qgemm_kernel kernel, const int8_t *packed) {
    if (kernel == SN_QGEMM_KERNEL_AUTO) {
        const int limit = sn_isa_limit();
        kernel = limit >= SN_ISA_LEVEL_AVX512 && sn_qgemm_kernel_supported(SN_QGEMM_KERNEL_AVX512_VNNI)
                     ? SN_QGEMM_KERNEL_AVX512_VNNI
               : limit >= SN_ISA_LEVEL_AVX2 && sn_qgemm_kernel_supported(SN_QGEMM_KERNEL_AVX2)
                     ? SN_QGEMM_KERNEL_AVX2 : SN_QGEMM_KERNEL_GENERIC;
    }
#ifdef SN_QX86
    if (kernel == SN_QGEMM_KERNEL_AVX512_VNNI) return sn_qgemm_block_avx512_vnni;
    if (kernel == SN_QGEMM_KERNEL_AVX2)
        return sn_qgemm_packed_pairs_fit_int16(packed) ? sn_qgemm_block_avx2_pairs : sn_qgemm_block_avx2;
    if (kernel == SN_QGEMM_KERNEL_AVX2_WIDENING) return sn_qgemm_block_avx2;
#endif
    return sn_qgemm_block_generic;
}

size_t sn_qgemm_packed_bytes(int N, int K) {
    return SN_QGEMM_HEADER + (size_t)((N + 15) / 16) * (size_t)sn_qgemm_groups(K) * 64;
}

void sn_qgemm_pack_weights(int N, int K, const int8_t *w, int ldw, int8_t *packed) {
    const int G = sn_qgemm_groups(K), P = (N + 15) / 16;
    memset(packed, 0, sn_qgemm_packed_bytes(N, K));
    int8_t *panels = packed + SN_QGEMM_HEADER;
    int fit = 1;
    for (int p = 0; p < P; p++)
        for (int c = 0; c < 16 && 16 * p + c < N; c++) {
            const int8_t *row = w + (size_t)(16 * p + c) * ldw;
            for (int k = 0; k < K; k++) panels[((size_t)p * G + k / 4) * 64 + c * 4 + k % 4] = row[k];
            for (int k = 0; k < K; k += 2) {
                int pair = abs(row[k]) + (k + 1 < K ? abs(row[k + 1]) : 0);
                if (pair > 128) fit = 0;
            }
        }
    sn_qgemm_packed_header h = {fit};
    memcpy(packed, &h, sizeof h);
}

int sn_qgemm_packed_pairs_fit_int16(const int8_t *packed) {
    sn_qgemm_packed_header h;
    memcpy(&h, packed, sizeof h);
    return h.pairs_fit_int16;
}

void sn_qgemm_run(sn_qgemm_block_fn block, int nthreads, int M, int N, int K, const uint8_t *A, int lda,
                const int8_t *packed, const sn_qgemm_output *out) {
    const int panels = (N + 15) / 16, strips = (M + STRIP - 1) / STRIP;
    int nth = nthreads;
    if ((long)M * N * K < PAR_MNK) nth = 1;
    packed = sn_qgemm_panels(packed);
    if (nth <= 1) {
        block(0, M, 0, panels, N, K, A, lda, packed, out);
    } else if (strips >= 2 * nth || strips >= panels) {
        SN_FOR_RANGES(nth, strips, lo, hi, t, {
            int m1 = (int)hi * STRIP < M ? (int)hi * STRIP : M;
            if (lo < hi) block((int)lo * STRIP, m1, 0, panels, N, K, A, lda, packed, out);
        });
    } else {
        SN_FOR_RANGES(nth, panels, lo, hi, t, {
            if (lo < hi) block(0, M, (int)lo, (int)hi, N, K, A, lda, packed, out);
        });
    }
}

int sn_qgemm_with_kernel(sn_qgemm_kernel kernel, int nthreads, int M, int N, int K, const uint8_t *A,
                         int lda, const int8_t *packed, const sn_qgemm_output *out) {
    if (!sn_qgemm_kernel_supported(kernel)) return -1;
    if (M <= 0 || N <= 0 || K <= 0) return 0;
    sn_qgemm_run(sn_qgemm_block_for(kernel, packed), nthreads, M, N, K, A, lda, packed, out);
    return 0;
}

void sn_qgemm(int nthreads, int M, int N, int K, const uint8_t *A, int lda, const int8_t *packed,
              const sn_qgemm_output *out) {
    (void)sn_qgemm_with_kernel(SN_QGEMM_KERNEL_AUTO, nthreads, M, N, K, A, lda, packed, out);
}

/* ---- convolution ---------------------------------------------------------- */

// Per thread: the image's im2col (OH·OW, K4), then its byte output as
// (OH·OW, FN) rows, which the product stores with whole-vector writes
// before one transpose into the (FN, OH·OW) plane (a strided store of every
// element straight into the plane costs more than the product itself).
static size_t qconv_cols_bytes(sn_conv_geometry g) {
    return ((size_t)g.OH * g.OW * (size_t)(4 * sn_qgemm_groups(g.C * g.FH * g.FW)) + 63) & ~(size_t)63;
}

static size_t qconv_image_bytes(sn_conv_geometry g) {
    return qconv_cols_bytes(g) + (((size_t)g.OH * g.OW * g.FN + 63) & ~(size_t)63);
}

size_t sn_qconv_scratch_bytes(sn_conv_geometry g, int nthreads) {
    return qconv_image_bytes(g) * (size_t)(nthreads < 1 ? 1 : nthreads);
}

// cols (OH·OW, K4): row (oh, ow) holds x's window at (c, fh, fw) in k order;
// positions in the padding read zp, k past C·FH·FW read 0.
static void im2col_u8(const uint8_t *restrict x, int zp, uint8_t *restrict cols, sn_conv_geometry g) {
    const int K = g.C * g.FH * g.FW, K4 = 4 * sn_qgemm_groups(K);
    for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++) {
            uint8_t *row = cols + ((size_t)oh * g.OW + ow) * K4;
            int k = 0;
            for (int c = 0; c < g.C; c++)
                for (int fh = 0; fh < g.FH; fh++) {
                    int ih = oh * g.stride - g.pad + fh;
                    int row_inside = ih >= 0 && ih < g.H;
                    // A row above or below the image has no address: form the pointer only inside it.
                    const uint8_t *xr = row_inside ? x + ((size_t)c * g.H + ih) * g.W : x;
                    int iw0 = ow * g.stride - g.pad;
                    if (row_inside && iw0 >= 0 && iw0 + g.FW <= g.W) {
                        // Short rows copied inline: a memcpy call per 3 bytes costs more than the copy.
                        const uint8_t *src = xr + iw0;
                        uint8_t *dst = row + k;
                        if (g.FW == 3) { dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]; }
                        else if (g.FW == 5) { dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]; dst[3] = src[3]; dst[4] = src[4]; }
                        else for (int fw = 0; fw < g.FW; fw++) dst[fw] = src[fw];
                        k += g.FW;
                        continue;
                    }
                    for (int fw = 0; fw < g.FW; fw++, k++) {
                        int iw = ow * g.stride - g.pad + fw;
                        row[k] = (row_inside && iw >= 0 && iw < g.W) ? xr[iw] : (uint8_t)zp;
                    }
                }
            for (; k < K4; k++) row[k] = 0;
        }
}

static void qconv_image(sn_qgemm_block_fn block, int nth, const uint8_t *x, int zp, const int8_t *packed,
                        const sn_qgemm_output *out, uint8_t *cols, sn_conv_geometry g, int n) {
    const int K = g.C * g.FH * g.FW, K4 = 4 * sn_qgemm_groups(K), P = g.OH * g.OW;
    const size_t plane = (size_t)g.FN * P;
    im2col_u8(x + (size_t)n * g.C * g.H * g.W, zp, cols, g);
    sn_qgemm_output o = *out;
    // cols' rows and the packed weights are zero from K to K4: the product
    // runs on whole groups of 4, with no partial last group to assemble.
    if (o.out_u8) {
        uint8_t *rows = cols + qconv_cols_bytes(g), *dst = out->out_q + (size_t)n * plane;
        o.out_q = rows;
        o.rs = g.FN;
        o.cs = 1;
        sn_qgemm_run(block, nth, P, g.FN, K4, cols, K4, packed, &o);
        for (int f = 0; f < g.FN; f++)
            for (int p = 0; p < P; p++) dst[(size_t)f * P + p] = rows[(size_t)p * g.FN + f];
    } else {
        o.rs = 1;
        o.cs = P;
        o.out_f = out->out_f + (size_t)n * plane;
        sn_qgemm_run(block, nth, P, g.FN, K4, cols, K4, packed, &o);
    }
}

int sn_qconv_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                     const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                     sn_conv_geometry g) {
    if (!sn_qgemm_kernel_supported(kernel)) return -1;
    sn_qconv_images(qconv_image, sn_qgemm_block_for(kernel, packed), nthreads, x, x_zero_point, packed, out,
                    scratch, qconv_image_bytes(g), g);
    return 0;
}

void sn_qconv_images(sn_qconv_image_fn image, sn_qgemm_block_fn block, int nthreads, const uint8_t *x, int zp,
                     const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch, size_t per_thread,
                     sn_conv_geometry g) {
    int nth = nthreads;
    if (g.N < nth || (long)g.N * g.OH * g.OW * g.FN * g.C * g.FH * g.FW < PAR_MNK) {
        for (int n = 0; n < g.N; n++) image(block, nthreads, x, zp, packed, out, scratch, g, n);
        return;
    }
    SN_FOR_RANGES(nth, g.N, lo, hi, t, {
        for (long n = lo; n < hi; n++) image(block, 1, x, zp, packed, out, scratch + (size_t)t * per_thread, g, (int)n);
    });
}
