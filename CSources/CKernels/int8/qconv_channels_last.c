/*
 * qconv_channels_last.c — int8 convolution and max pooling on channels-last
 * (NHWC) bytes, the layout QuantizedNetwork keeps between its layers.
 *
 * Why channels last: a window row (FW pixels × C channels) is one run of
 * contiguous bytes, so im2col is FH copies per output pixel; the product's
 * rows (pixel, filter) are already the next layer's NHWC bytes (stored with
 * whole-vector writes, no transpose); pooling takes the byte max of whole
 * channel runs.
 */
#include "qgemm_internal.h"
#include "../parallel_ranges.h"

// Elementwise loops below this many bytes run on the calling thread.
#define GRAIN (1L << 16)

static size_t cols_bytes(sn_conv_geometry g) {
    return ((size_t)g.OH * g.OW * (size_t)(4 * sn_qgemm_groups(g.C * g.FH * g.FW)) + 63) & ~(size_t)63;
}

// Copies n >= 1 bytes as a few fixed-size moves, the last one ending at n
// (overlapping the one before): window runs are short (5 bytes for a 5×5
// filter on one channel, 48 for 3×3 on 16), where a memcpy call or a byte
// loop costs more than the copy. Reads and writes stay within [0, n).
static inline __attribute__((always_inline)) void copy_run(uint8_t *restrict dst, const uint8_t *restrict src, int n) {
    if (n >= 16) {
        int i = 0;
        for (; i + 16 <= n; i += 16) memcpy(dst + i, src + i, 16);
        if (i < n) memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n >= 2) {
        memcpy(dst, src, 2);
        memcpy(dst + n - 2, src + n - 2, 2);
    } else {
        dst[0] = src[0];
    }
}

// Zeroes row[K .. K4) (at most 3 bytes; a memset call costs more).
static inline __attribute__((always_inline)) void zero_tail(uint8_t *row, int K, int K4) {
    if (K < K4) row[K] = 0;
    if (K + 1 < K4) row[K + 1] = 0;
    if (K + 2 < K4) row[K + 2] = 0;
}

// A window wholly inside the image: FH runs of `run` bytes, src's rows
// `stride` apart. Called with run a constant where it is a common size, so
// the copies become a few fixed moves.
static inline __attribute__((always_inline)) void interior_row(uint8_t *restrict row, const uint8_t *restrict src,
                                                               size_t stride, int FH, const int run, int K, int K4) {
    for (int fh = 0; fh < FH; fh++) copy_run(row + fh * run, src + (size_t)fh * stride, run);
    zero_tail(row, K, K4);
}

// FH window runs shorter than 8 bytes as one 8-byte move each, in order,
// each overwriting the spill of the one before.
static inline __attribute__((always_inline)) void short_moves(uint8_t *restrict row, const uint8_t *restrict src,
                                                              size_t stride, const int FH, int run) {
    for (int fh = 0; fh < FH; fh++) memcpy(row + fh * run, src + (size_t)fh * stride, 8);
}

// The im2col row of output pixel (oh, ow): x's window in (fh, fw, c)
// order, positions in the padding read zp, k past FH·FW·C read 0.
// short_runs: window runs shorter than 8 bytes whose last 8-byte move
// still ends inside the row (see im2col_nhwc).
static inline __attribute__((always_inline)) void window_row(const uint8_t *restrict x, int zp, uint8_t *restrict row,
                                                             sn_conv_geometry g, int oh, int ow, int short_runs) {
    const int C = g.C, run = g.FW * C, K = g.FH * run, K4 = 4 * sn_qgemm_groups(K);
    const size_t xrow = (size_t)g.W * C;
    const int iw0 = ow * g.stride - g.pad, ih0 = oh * g.stride - g.pad;
    const int whole = iw0 >= 0 && iw0 + g.FW <= g.W;
    if (whole && ih0 >= 0 && ih0 + g.FH <= g.H) {
        const uint8_t *src = x + (size_t)ih0 * xrow + (size_t)iw0 * C;
        if (short_runs && (size_t)iw0 * C + 8 <= xrow) {
            // The reads stay inside the image row.
            switch (g.FH) {  // a constant count of moves where it is a common one
            case 3: short_moves(row, src, xrow, 3, run); break;
            case 5: short_moves(row, src, xrow, 5, run); break;
            default: short_moves(row, src, xrow, g.FH, run); break;
            }
            zero_tail(row, K, K4);
            return;
        }
        // The runs of the presets' convolutions (5×5 and 3×3 on 1 channel, 3×3 on 16, 32, 64).
        switch (run) {
        case 3: interior_row(row, src, xrow, g.FH, 3, K, K4); break;
        case 5: interior_row(row, src, xrow, g.FH, 5, K, K4); break;
        case 48: interior_row(row, src, xrow, g.FH, 48, K, K4); break;
        case 96: interior_row(row, src, xrow, g.FH, 96, K, K4); break;
        case 192: interior_row(row, src, xrow, g.FH, 192, K, K4); break;
        default: interior_row(row, src, xrow, g.FH, run, K, K4); break;
        }
        return;
    }
    for (int fh = 0; fh < g.FH; fh++) {
        const int ih = ih0 + fh;
        uint8_t *dst = row + fh * run;
        if (ih < 0 || ih >= g.H) {
            memset(dst, zp, (size_t)run);
            continue;
        }
        // A pointer is formed only at a pixel inside the image.
        const uint8_t *xr = x + (size_t)ih * xrow;
        if (whole) {
            copy_run(dst, xr + (size_t)iw0 * C, run);
            continue;
        }
        for (int fw = 0; fw < g.FW; fw++) {
            const int iw = iw0 + fw;
            if (iw >= 0 && iw < g.W) copy_run(dst + fw * C, xr + (size_t)iw * C, C);
            else memset(dst + fw * C, zp, (size_t)C);
        }
    }
    zero_tail(row, K, K4);
}

// Whether window_row may move short runs 8 bytes at a time: the last run's
// move ends at (FH - 1)·run + 8, which must be inside the row's K4 bytes.
static int short_runs(sn_conv_geometry g) {
    const int run = g.FW * g.C, K4 = 4 * sn_qgemm_groups(g.FH * run);
    return run < 8 && (g.FH - 1) * run + 8 <= K4;
}

// cols (OH·OW, K4): row (oh, ow) is window_row(oh, ow).
static void im2col_nhwc(const uint8_t *restrict x, int zp, uint8_t *restrict cols, sn_conv_geometry g) {
    const int K4 = 4 * sn_qgemm_groups(g.C * g.FH * g.FW), fast = short_runs(g);
    for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++) window_row(x, zp, cols + ((size_t)oh * g.OW + ow) * K4, g, oh, ow, fast);
}

// cols (4·(OH/2)·(OW/2), K4): rows 4w .. 4w+3 are the four pixels of
// pooling window w = (ph, pw): (2ph, 2pw), (2ph, 2pw+1), (2ph+1, 2pw), (2ph+1, 2pw+1).
static void im2col_nhwc_pool2(const uint8_t *restrict x, int zp, uint8_t *restrict cols, sn_conv_geometry g) {
    const int K4 = 4 * sn_qgemm_groups(g.C * g.FH * g.FW), fast = short_runs(g), PH = g.OH / 2, PW = g.OW / 2;
    uint8_t *row = cols;
    for (int ph = 0; ph < PH; ph++)
        for (int pw = 0; pw < PW; pw++)
            for (int d = 0; d < 4; d++, row += K4) window_row(x, zp, row, g, 2 * ph + d / 2, 2 * pw + d % 2, fast);
}

// One image: its im2col rows (pixel order, or the pooling windows' fours
// when pool4), then the product, whose stage writes the image's rows.
static inline __attribute__((always_inline)) void
image_product(sn_qgemm_block_fn block, int nth, const uint8_t *x, int zp, const int8_t *packed,
              const sn_qgemm_output *out, uint8_t *cols, sn_conv_geometry g, int n, const int pool4) {
    const int K4 = 4 * sn_qgemm_groups(g.C * g.FH * g.FW), windows = (g.OH / 2) * (g.OW / 2);
    const int rows = pool4 ? 4 * windows : g.OH * g.OW, outputs = pool4 ? windows : rows;
    const uint8_t *xn = x + (size_t)n * g.H * g.W * g.C;
    if (pool4) im2col_nhwc_pool2(xn, zp, cols, g);
    else im2col_nhwc(xn, zp, cols, g);
    sn_qgemm_output o = *out;
    o.rs = g.FN;
    o.cs = 1;
    o.pool4 = pool4;
    if (o.out_u8) o.out_q = out->out_q + (size_t)n * outputs * g.FN;
    else o.out_f = out->out_f + (size_t)n * outputs * g.FN;
    // cols' rows and the packed weights are zero from K to K4: the product
    // runs on whole groups of 4, with no partial last group to assemble.
    if (rows > 0) sn_qgemm_run(block, nth, rows, g.FN, K4, cols, K4, packed, &o);
}

static void image(sn_qgemm_block_fn block, int nth, const uint8_t *x, int zp, const int8_t *packed,
                  const sn_qgemm_output *out, uint8_t *cols, sn_conv_geometry g, int n) {
    image_product(block, nth, x, zp, packed, out, cols, g, n, 0);
}

static void image_pool2(sn_qgemm_block_fn block, int nth, const uint8_t *x, int zp, const int8_t *packed,
                        const sn_qgemm_output *out, uint8_t *cols, sn_conv_geometry g, int n) {
    image_product(block, nth, x, zp, packed, out, cols, g, n, 1);
}

static int forward(sn_qconv_image_fn each, sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int zp,
                   const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch, sn_conv_geometry g) {
    if (!sn_qgemm_kernel_supported(kernel)) return -1;
    sn_qconv_images(each, sn_qgemm_block_for(kernel, packed), nthreads, x, zp, packed, out, scratch, cols_bytes(g), g);
    return 0;
}

int sn_qconv_nhwc_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                          const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                          sn_conv_geometry g) {
    return forward(image, kernel, nthreads, x, x_zero_point, packed, out, scratch, g);
}

int sn_qconv_nhwc_pool2_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                                const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                                sn_conv_geometry g) {
    return forward(image_pool2, kernel, nthreads, x, x_zero_point, packed, out, scratch, g);
}

typedef uint8_t sn_u8x16 __attribute__((vector_size(16)));
typedef uint8_t sn_u8x8 __attribute__((vector_size(8)));

// d[c0 .. c0+V) = the max over the window of x's bytes there, in a register
// (one store per chunk: reading back d after a partly overlapping store
// would stall on store forwarding). No position inside gives 0.
#define SN_POOL_CHUNK(T, V, c0)                                                     \
    do {                                                                            \
        T m_ = {0};                                                                 \
        for (int ph = 0; ph < PH; ph++) {                                           \
            const int ih = oh * stride - pad + ph;                                  \
            if (ih < 0 || ih >= H) continue;                                        \
            for (int pw = 0; pw < PW; pw++) {                                       \
                const int iw = ow * stride - pad + pw;                              \
                if (iw < 0 || iw >= W) continue;                                    \
                T v_;                                                               \
                memcpy(&v_, x + (((size_t)n * H + ih) * W + iw) * C + (c0), V);     \
                m_ = __builtin_elementwise_max(m_, v_);                             \
            }                                                                       \
        }                                                                           \
        memcpy(d + (c0), &m_, V);                                                   \
    } while (0)

void sn_maxpool_u8_nhwc_forward(int nthreads, const uint8_t *restrict x, uint8_t *restrict y, int N, int C, int H,
                                int W, int PH, int PW, int stride, int pad, int OH, int OW) {
    const long rows = (long)N * OH;
    int nth = rows * OW * C * PH * PW < GRAIN ? 1 : nthreads;
    SN_FOR_RANGES(nth, rows, lo, hi, t, {
        for (long r = lo; r < hi; r++) {
            const long n = r / OH;
            const int oh = (int)(r % OH);
            for (int ow = 0; ow < OW; ow++) {
                uint8_t *d = y + ((size_t)r * OW + ow) * C;
                // Chunks of 16 (or 8) channels, the last one ending at C
                // (an overlap recomputes the same maxima).
                if (C >= 16) {
                    for (int c = 0; c < C; c += 16) SN_POOL_CHUNK(sn_u8x16, 16, c + 16 <= C ? c : C - 16);
                } else if (C >= 8) {
                    SN_POOL_CHUNK(sn_u8x8, 8, 0);
                    SN_POOL_CHUNK(sn_u8x8, 8, C - 8);
                } else {
                    for (int c = 0; c < C; c++) {
                        int best = 0;
                        for (int ph = 0; ph < PH; ph++) {
                            const int ih = oh * stride - pad + ph;
                            if (ih < 0 || ih >= H) continue;
                            for (int pw = 0; pw < PW; pw++) {
                                const int iw = ow * stride - pad + pw;
                                if (iw < 0 || iw >= W) continue;
                                const int v = x[(((size_t)n * H + ih) * W + iw) * C + c];
                                if (v > best) best = v;
                            }
                        }
                        d[c] = (uint8_t)best;
                    }
                }
            }
        }
    });
}
