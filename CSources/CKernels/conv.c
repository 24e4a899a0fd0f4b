/*
 * conv.c — 2-D convolution over NCHW images, forward next to backward.
 *
 * One image at a time, so everything an image needs stays in L2. Stride-1
 * layers (every layer of the book's networks) unfold nothing: over the
 * padded width Wp, row (c, fh, fw) of the unfolded image is the
 * zero-padded image xpad read from offset c·Hp·Wp + fh·Wp + fw, so the
 * product reads B straight from xpad through a table of K row offsets:
 *   out'_n = W · shift(xpad_n) + bias    (FN, OH·Wp)  columns ow ≥ OW discarded
 *   dW    += dout'_n · shift(xpad_n)ᵀ    (FN, K)      dout' zero in those columns
 *   dcol   = Wᵀ · dout'_n                (K, OH·Wp)
 *   dxpad += dcol rows at their offsets  (whole rows: the shifted read's adjoint)
 * For square kernels with pad ≤ FH − 1 the input gradient skips dcol: it is
 * the forward's shifted product of another stride-1 convolution,
 *   dx_n = conv(dout_n padded by FH−1−pad, flip(w) with C and FN swapped)
 * whose reduction runs over FN·FH·FW (not FN) and whose output is dx itself.
 * Neighbouring rows share their padding columns: a row holds pad zeros then
 * its W pixels, so Wp = W + pad (at least OW), and a read that runs past a
 * row's last pixel lands in the next row's leading zeros. (Wp = W + 2·pad
 * would do (Wp − OW)/OW more work: 25 % on 8×8 images.)
 * Copying an image into xpad moves C·H·W floats where an unfolding moves
 * about FH·FW times as many; the products do Wp/OW times the columns.
 * 3×3 stride-1 layers with enough channels run Winograd instead (where:
 * winograd_pays): the forward and the input gradient (as the transposed
 * convolution's forward) with 4×4 output tiles, F(4×4, 3×3), where they
 * save enough products over 2×2 ones (conv_winograd4.h, wino_tile_of: 4×
 * fewer multiplies than direct), else F(2×2, 3×3) (conv_winograd.h: 2.25×
 * fewer); the weight gradient through the forward's tiles. The transforms
 * are additions and a few scalings. The choice depends on the layer's shape only.
 * Other strides unfold (im2col) as the book does:
 *   col  = im2col(x_n)            (K, S)   K = C·FH·FW rows, S = OH·OW columns
 *   out_n = W · col + bias        (FN, S)  already NCHW: no transpose
 * and backward, over groups of G images (G from the layer's shape alone):
 *   dW  += [dout_n …] · [col_n …]ᵀ (FN, K)  one product over G·Sp columns
 *                                            (col recomputed: cheaper than storing it)
 *   db  += Σ_s dout_n
 *   dcol = Wᵀ · dout_n            (K, S)   into col's memory
 *   dx_n = col2im(dcol)           (C, H, W)
 * Grouping matters where S is small (8×8 images): a dW dot product over one
 * image's 64 columns is mostly its horizontal sum; over G·64 it is FMAs.
 * The products are small (FN, K ≤ a few hundred), so they use their own
 * register-blocked micro-kernels here rather than sn_sgemm (which is built
 * for big products and serialises concurrent callers).
 *
 * Threads and determinism: the batch is cut into a fixed number of image
 * blocks (SN_CONV_BLOCKS, or N if smaller) that depends on N only. Each
 * block has its own scratch (col, padded dout, partial dW and db) and is
 * processed by one thread, images in order; the partial gradients are then
 * added up in block order. So the results are bit-identical for any thread
 * count, and the scratch size does not depend on the thread count.
 *
 * Columns are padded to Sp = S (or Lp = OH·Wp) rounded up to 16 floats in the scratch, with
 * zeros in the padding, so inner loops run on whole 16-float vectors.
 */
#include <string.h>
#include "ckernels.h"
#include "parallel_ranges.h"

/* Fixed image blocks: the most threads a convolution can use. */
#define SN_CONV_BLOCKS 8
/* Below this many flops a convolution runs on the calling thread. */
#define SN_CONV_PARALLEL_FLOPS 4.0e6

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

static inline long round16(long n) { return (n + 15) & ~15L; }
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

// The product the Winograd path batches its 16 element-wise products into (defined below).
static inline __attribute__((always_inline)) void
gemm_ab(int M, int N, int P, const float *restrict a, long ars, long acs,
        const float *restrict b, long ldb, const int *restrict boff, const float *restrict bias,
        float *restrict c, long ldc, const int wide);
static inline __attribute__((always_inline)) void
gemm_ab_acc(int M, int N, int P, const float *restrict a, long ars, long acs,
            const float *restrict b, long ldb, float *restrict c, long ldc, const int wide);
#include "conv_winograd.h"
#include "conv_winograd4.h"

/* Columns a grouped dW product aims for, and the most bytes of col plus
 * dout one group may hold (about half of a 1 MiB L2). */
#define SN_CONV_GROUP_COLUMNS 512
#define SN_CONV_GROUP_BYTES (768L * 1024)
#define SN_CONV_GROUP_MAX 8

/* Where the buffers sit in the scratch (offsets in floats; every buffer
 * starts on a 64-byte boundary when the scratch does): the table of B-row
 * offsets shared by all blocks (shifted layers), then one region per image
 * block. */
typedef struct {
    long K, S, Sp;
    int group;               /* images per dW product (unfolded layers) */
    int shifted;             /* stride 1: rows of B are shifted views of the padded image */
    long Hp, Wp, plane;      /* the padded image (shifted layers) */
    long Np, Lp;             /* output columns over the padded width, OH·Wp; rounded up to 16 */
    long xpad;               /* floats of the padded image with its zero tail */
    long gplane;             /* backward: G padded images per channel, G·plane floats */
    long xgroup;             /* floats of the G images' padded planes with the zero tail */
    long offsets;            /* where the table of K row offsets (ints) sits */
    long group_offsets;      /* the table for the backward's group layout */
    long col, dout, dw, db;  /* offsets inside one block */
    long first, block;       /* first block's offset; floats per block */
    int blocks;
    int transposed;          /* dx as a shifted forward convolution of dout (see transposed_of) */
    long tweights, toffsets; /* the flipped weights (C, FN, FH, FW) and their B-row offsets */
    long tpad, tout;         /* inside one block: padded dout (FN, …) and the wide dx (C, Lp') */
    int wino, twino;         /* Winograd possible for the forward / the transposed input gradient */
    wino_layout wf, wt;      /* their layouts for 2×2 tiles (conv_winograd.h) */
    wino_layout wf4, wt4;    /* and for 4×4 tiles (conv_winograd4.h) */
    long wu, wtu, wu4, wtu4; /* shared: their transformed weights */
    long wreg;               /* inside one block: the Winograd region (the largest pass's) */
    long wdu;                /* inside one block: its weight-gradient sums dU */
} conv_layout;

static inline long lmax(long a, long b) { return a > b ? a : b; }

static conv_layout layout_core(const sn_conv_geometry *g) {
    conv_layout L;
    L.K = (long)g->C * g->FH * g->FW;
    L.S = (long)g->OH * g->OW;
    L.Sp = round16(L.S);
    L.shifted = g->stride == 1;
    L.Hp = g->H + 2L * g->pad;
    // Input columns read for output ow run from ow − pad to ow − pad + FW − 1,
    // i.e. −pad … W + pad − 1: the pad zeros at the start of this row and of
    // the next. Output columns need Wp ≥ OW (more than W + pad when pad > FW − 1).
    L.Wp = lmax(g->W + (long)g->pad, g->OW);
    L.plane = L.Hp * L.Wp;
    L.Np = (long)g->OH * L.Wp;
    L.Lp = round16(L.Np);
    // A row of B read from offset ≤ (C−1)·plane + (FH−1)·Wp + FW−1 over Lp
    // columns ends before C·plane + FW + 16: the zero tail covers it.
    L.xpad = round16((long)g->C * L.plane + g->FW + 16);
    // Images per dW product: enough for about SN_CONV_GROUP_COLUMNS columns
    // (unfolded: Sp per image; shifted: a padded plane), within the byte budget.
    const long per_image = L.shifted ? L.plane : L.Sp;
    const long rows = L.shifted ? g->C + g->FN : L.K + g->FN;
    long group = (SN_CONV_GROUP_COLUMNS + per_image - 1) / per_image;
    if (group > SN_CONV_GROUP_MAX) group = SN_CONV_GROUP_MAX;
    while (group > 1 && rows * group * per_image * 4 > SN_CONV_GROUP_BYTES) group--;
    L.group = (int)group;
    L.gplane = L.group * L.plane;
    L.xgroup = round16((long)g->C * L.gplane + g->FW + 16);
    L.offsets = 0;
    L.group_offsets = round16(L.K);
    L.first = L.shifted ? 2 * round16(L.K) : 0;
    L.col = 0;
    // Shifted: the padded image(s), then dcol (K, Lp). dout' of a group is
    // (FN, ≤ (G−1)·plane + Lp), and a read may run 16 floats past its end.
    L.dout = L.col + (L.shifted ? lmax(L.xpad, L.xgroup) + L.K * L.Lp : L.K * L.group * L.Sp);
    L.dw = L.dout + (L.shifted ? lmax((long)g->FN * L.Lp, (long)g->FN * round16((L.group - 1) * L.plane + L.Lp)) + 16
                               : (long)g->FN * L.group * L.Sp);
    L.db = L.dw + round16((long)g->FN * L.K);
    L.block = L.db + round16(g->FN);
    L.blocks = imin(g->N, SN_CONV_BLOCKS);
    L.transposed = 0;
    L.tweights = L.toffsets = L.tpad = L.tout = 0;
    L.wino = L.twino = 0;
    L.wu = L.wtu = L.wu4 = L.wtu4 = L.wreg = L.wdu = 0;
    return L;
}

// The input gradient of a stride-1 convolution is itself a stride-1
// convolution: dx = conv(dout padded by FH−1−pad, w flipped in both spatial
// axes with C and FN swapped). Run through the forward's shifted product it
// needs neither dcol (K, OH·Wp) nor its scatter back into dx, and its
// reduction runs over FN·FH·FW instead of FN. Possible for square kernels
// with pad ≤ FH − 1 (else the transposed padding would be negative).
static int transposable(const sn_conv_geometry *g) {
    return g->stride == 1 && g->FH == g->FW && g->pad <= g->FH - 1;
}

static sn_conv_geometry transposed_of(const sn_conv_geometry *g) {
    sn_conv_geometry t = *g;
    t.C = g->FN; t.H = g->OH; t.W = g->OW;
    t.FN = g->C; t.OH = g->H; t.OW = g->W;
    t.pad = g->FH - 1 - g->pad;
    return t;
}

static conv_layout layout_of_direct(const sn_conv_geometry *g) {
    conv_layout L = layout_core(g);
    if (!transposable(g)) return L;
    const sn_conv_geometry tg = transposed_of(g);
    const conv_layout T = layout_core(&tg);
    L.transposed = 1;
    // Shared: the flipped weights and their row-offset table after the two tables.
    L.tweights = L.first;
    L.toffsets = L.tweights + round16((long)g->C * g->FN * g->FH * g->FW);
    L.first = L.toffsets + round16(T.K);
    // Per block: the padded dout and the wide dx sit where dcol would (dcol
    // is not used when transposed), the region grown to hold them.
    const long head = lmax(L.xpad, L.xgroup), need = T.xpad + (long)g->C * T.Lp;
    L.tpad = L.col + head;
    L.tout = L.tpad + T.xpad;
    const long grow = lmax(0, need - L.K * L.Lp);
    L.dout += grow; L.dw += grow; L.db += grow; L.block += grow;
    return L;
}

// The Winograd buffers added to a layout: the transformed weights of the
// forward and of the transposed convolution (shared), for 2×2 and 4×4
// tiles, and one region per block big enough for any of them. Every 3×3
// stride-1 layer gets them, so any algorithm can be forced on it; which one
// runs is use_winograd's choice.
static void add_winograd(const sn_conv_geometry *g, conv_layout *L) {
    L->wino = wino_possible(g);
    if (!L->wino) return;
    L->wf = wino_layout_of(g);
    L->wf4 = wino4_layout_of(g);
    L->wu = L->first;
    L->wu4 = L->wu + round16(L->wf.U);
    L->first = L->wu4 + round16(L->wf4.U);
    long region = lmax(L->wf.gregion, L->wf4.gregion);
    if (L->transposed) {
        const sn_conv_geometry tg = transposed_of(g);
        L->twino = wino_possible(&tg);
        if (L->twino) {
            L->wt = wino_layout_of(&tg);
            L->wt4 = wino4_layout_of(&tg);
            L->wtu = L->first;
            L->wtu4 = L->wtu + round16(L->wt.U);
            L->first = L->wtu4 + round16(L->wt4.U);
            region = lmax(region, lmax(L->wt.region, L->wt4.region));
        }
    }
    L->wreg = L->block;
    L->wdu = L->wreg + round16(region);
    L->block = L->wdu + round16(lmax(L->wf.dU, L->wf4.dU));
}

static conv_layout layout_of(const sn_conv_geometry *g) {
    conv_layout L = layout_of_direct(g);
    add_winograd(g, &L);
    return L;
}

// wt (C, FN, FH, FW): wt[c][f][a][b] = w[f][c][FH−1−a][FW−1−b].
static void flip_weights(const sn_conv_geometry *g, const float *restrict w, float *restrict wt) {
    const int FH = g->FH, FW = g->FW;
    for (int c = 0; c < g->C; c++)
        for (int f = 0; f < g->FN; f++)
            for (int a = 0; a < FH; a++)
                for (int b = 0; b < FW; b++)
                    wt[(((long)c * g->FN + f) * FH + a) * FW + b] =
                        w[(((long)f * g->C + c) * FH + (FH - 1 - a)) * FW + (FW - 1 - b)];
}

// The row offsets of B for a shifted layer: row (c, fh, fw) starts at
// c·stride + fh·Wp + fw, where channels lie `stride` floats apart (plane for
// one image, gplane for the backward's groups).
static void fill_offsets(const sn_conv_geometry *g, const conv_layout *L, long stride, int *restrict boff) {
    for (int c = 0; c < g->C; c++)
        for (int fh = 0; fh < g->FH; fh++)
            for (int fw = 0; fw < g->FW; fw++)
                boff[((long)c * g->FH + fh) * g->FW + fw] = (int)(c * stride + fh * L->Wp + fw);
}

size_t sn_conv_scratch_floats(sn_conv_geometry g) {
    if (g.N <= 0) return 0;
    conv_layout L = layout_of(&g);
    return (size_t)L.first + (size_t)L.blocks * (size_t)L.block;
}

/* What the transposed input gradient needs: its geometry and layout, the
 * flipped weights and their row offsets (shared, filled once per call). */
typedef struct {
    sn_conv_geometry g;
    conv_layout L;
    const int *boff;
    const float *w;
} conv_transposed;

/* ---- per-image data movement --------------------------------------------- */

// x is (C, H, W); col is (K, Sp) with row stride ld: col[(c,fh,fw), oh·OW + ow] =
// x[c, oh·s−pad+fh, ow·s−pad+fw], zero in the padding and in columns S..Sp.
static inline __attribute__((always_inline)) void
im2col_image(const sn_conv_geometry *g, long S, long Sp, long ld, const float *restrict x,
             float *restrict col) {
    const int OH = g->OH, OW = g->OW, s = g->stride, pad = g->pad, H = g->H, W = g->W;
    for (int c = 0; c < g->C; c++) {
        const float *xc = x + (long)c * H * W;
        for (int fh = 0; fh < g->FH; fh++) {
            for (int fw = 0; fw < g->FW; fw++) {
                float *row = col + (((long)c * g->FH + fh) * g->FW + fw) * ld;
                // Output columns whose input column iw = ow·s − pad + fw is inside: [lo, hi).
                int lo = 0, hi = OW;
                while (lo < OW && lo * s - pad + fw < 0) lo++;
                while (hi > lo && (hi - 1) * s - pad + fw >= W) hi--;
                for (int oh = 0; oh < OH; oh++) {
                    float *dst = row + (long)oh * OW;
                    const int ih = oh * s - pad + fh;
                    if (ih < 0 || ih >= H) {
                        for (int ow = 0; ow < OW; ow++) dst[ow] = 0.0f;
                        continue;
                    }
                    const float *src = xc + (long)ih * W - pad + fw;
                    for (int ow = 0; ow < lo; ow++) dst[ow] = 0.0f;
                    if (s == 1) {
                        for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow];
                    } else {
                        for (int ow = lo; ow < hi; ow++) dst[ow] = src[(long)ow * s];
                    }
                    for (int ow = hi; ow < OW; ow++) dst[ow] = 0.0f;
                }
                for (long j = S; j < Sp; j++) row[j] = 0.0f;
            }
        }
    }
}

// The adjoint of im2col_image: dx (C, H, W) is OVERWRITTEN with the sum of the
// col entries copied from each pixel.
static inline __attribute__((always_inline)) void
col2im_image(const sn_conv_geometry *g, long ld, const float *restrict col,
             float *restrict dx) {
    const int OH = g->OH, OW = g->OW, s = g->stride, pad = g->pad, H = g->H, W = g->W;
    memset(dx, 0, sizeof(float) * (size_t)g->C * H * W);
    for (int c = 0; c < g->C; c++) {
        float *dxc = dx + (long)c * H * W;
        for (int fh = 0; fh < g->FH; fh++) {
            for (int fw = 0; fw < g->FW; fw++) {
                const float *row = col + (((long)c * g->FH + fh) * g->FW + fw) * ld;
                int lo = 0, hi = OW;
                while (lo < OW && lo * s - pad + fw < 0) lo++;
                while (hi > lo && (hi - 1) * s - pad + fw >= W) hi--;
                for (int oh = 0; oh < OH; oh++) {
                    const int ih = oh * s - pad + fh;
                    if (ih < 0 || ih >= H) continue;
                    const float *src = row + (long)oh * OW;
                    float *dst = dxc + (long)ih * W - pad + fw;
                    if (s == 1) {
                        for (int ow = lo; ow < hi; ow++) dst[ow] += src[ow];
                    } else {
                        for (int ow = lo; ow < hi; ow++) dst[(long)ow * s] += src[ow];
                    }
                }
            }
        }
    }
}

/* ---- micro-kernels ------------------------------------------------------- */

// The 16 lanes of v added in a fixed tree order: halves, quarters, pairs.
// s in every lane. Written as a vector literal, not (v16){0} + s: that sum
// is not an identity (0 + −0 = +0), so the compiler keeps it and a zero
// register, which on AVX2 pushes the 6 × 1 tile's 12 accumulators, 2 B
// vectors and the broadcast past the 16 ymm registers (a spill per step).
#define splat16(x) ({ const float s_ = (x); (v16){s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_}; })

// dst[k] = src[k] for k < n, in vectors of 16, 8 or 4 (the last one
// overlapping the one before): image rows of a few to 64 floats, copied
// thousands of times per batch, cost a memcpy call each otherwise.
static inline __attribute__((always_inline)) void
copy_row(float *restrict dst, const float *restrict src, long n) {
    typedef float v8u __attribute__((vector_size(32), aligned(4)));
    typedef float v4u __attribute__((vector_size(16), aligned(4)));
    if (n >= 16) {
        long k = 0;
        for (; k + 16 <= n; k += 16) *(v16u *)(dst + k) = *(const v16u *)(src + k);
        if (k < n) *(v16u *)(dst + n - 16) = *(const v16u *)(src + n - 16);
    } else if (n >= 8) {
        *(v8u *)dst = *(const v8u *)src;
        *(v8u *)(dst + n - 8) = *(const v8u *)(src + n - 8);
    } else if (n >= 4) {
        *(v4u *)dst = *(const v4u *)src;
        *(v4u *)(dst + n - 4) = *(const v4u *)(src + n - 4);
    } else {
        for (long k = 0; k < n; k++) dst[k] = src[k];
    }
}

// dst[k] = src[k] for k < n < 16, in an 8-, a 4-float vector and up to three
// floats, not in a loop: the compiler turns a short copy loop of unknown
// length into a memcpy call, which costs more than the copy.
static inline __attribute__((always_inline)) void
copy_short(float *restrict dst, const float *restrict src, int n) {
    typedef float v8u __attribute__((vector_size(32), aligned(4)));
    typedef float v4u __attribute__((vector_size(16), aligned(4)));
    int k = 0;
    if (n - k >= 8) { *(v8u *)(dst + k) = *(const v8u *)(src + k); k += 8; }
    if (n - k >= 4) { *(v4u *)(dst + k) = *(const v4u *)(src + k); k += 4; }
    if (k < n) dst[k] = src[k];
    if (k + 1 < n) dst[k + 1] = src[k + 1];
    if (k + 2 < n) dst[k + 2] = src[k + 2];
}

static inline __attribute__((always_inline)) float hsum16(const v16 *p) {
    const v16 v = *p;
    typedef float v8 __attribute__((vector_size(32)));
    typedef float v4 __attribute__((vector_size(16)));
    v8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
           __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

// C (m, ncols) = [bias] + A (m, P) · B (P, Sp), one MR × 16·NV tile at column j
// (with ACC, C += A · B). A[i][p] is a[i·ars + p·acs]; B rows have stride ldb
// (a multiple of 16, aligned); C has row stride ldc. Rows past m repeat row
// m−1 and are not stored.
static inline __attribute__((always_inline)) void
tile_ab(const int MR, const int NV, const int ACC, int m, int ncols, int P,
        const float *restrict a, long ars, long acs, const float *restrict b, long ldb,
        const int *restrict boff,
        const float *restrict bias, float *restrict c, long ldc) {
    v16 acc[6][4];
    const float *ar[6];
    for (int i = 0; i < MR; i++) {
        const int r = i < m ? i : m - 1;
        ar[i] = a + (long)r * ars;
        for (int v = 0; v < NV; v++) {
            if (!ACC) {
                acc[i][v] = splat16(bias ? bias[r] : 0.0f);
            } else if (16 * v + 16 <= ncols) {
                acc[i][v] = *(const v16u *)(c + (long)r * ldc + 16 * v);
            } else {
                float t[16] __attribute__((aligned(64))) = {0};
                copy_short(t, c + (long)r * ldc + 16 * v, ncols - 16 * v);
                acc[i][v] = *(v16 *)t;
            }
        }
    }
    for (int p = 0; p < P; p++) {
        v16 bv[4];
        for (int v = 0; v < NV; v++) bv[v] = *(const v16u *)(b + (boff ? boff[p] : (long)p * ldb) + 16 * v);
        for (int i = 0; i < MR; i++) {
            const v16 av = splat16(ar[i][(long)p * acs]);
            for (int v = 0; v < NV; v++) acc[i][v] += av * bv[v];
        }
    }
    for (int i = 0; i < MR && i < m; i++) {
        float *ci = c + (long)i * ldc;
        for (int v = 0; v < NV; v++) {
            if (16 * v + 16 <= ncols) {
                *(v16u *)(ci + 16 * v) = acc[i][v];
            } else {
                float t[16] __attribute__((aligned(64)));
                *(v16 *)t = acc[i][v];
                copy_short(ci + 16 * v, t, ncols - 16 * v);
            }
        }
    }
}

// C (M, N) = [bias] + A (M, P) · B (P, N): B is (P, ≥N) with row stride ldb,
// C is (M, N) with row stride ldc; A as in tile_ab. 64-column strips, each
// kept in L1 while every row tile runs over it.
//
// wide (a constant after inlining) picks the tile for the instruction set:
// 512-bit registers (32 of them) hold 6 × 4 vector accumulators; AVX2's 16
// ymm registers hold half a v16 each, so there the tiles are 6 × 1 (12 ymm),
// else the accumulators spill and the kernel runs at a third of its speed.
static inline __attribute__((always_inline)) void
gemm_ab_body(int M, int N, int P, const float *restrict a, long ars, long acs,
             const float *restrict b, long ldb, const int *restrict boff, const float *restrict bias,
             float *restrict c, long ldc, const int wide, const int accumulate) {
    // Row tiles of 4 or 6: whichever wastes fewer rows (6 on a tie).
    const int mr = ((M + 3) / 4) * 4 < ((M + 5) / 6) * 6 ? 4 : 6;
    const int strip = wide ? 64 : 16;
    for (int j = 0; j < N; j += strip) {
        const int ncols = imin(strip, N - j);
        const int nv = (ncols + 15) / 16;
        for (int i = 0; i < M; i += mr) {
            const int m = imin(mr, M - i);
            const float *ai = a + (long)i * ars;
            const float *bi = bias ? bias + i : 0;
            float *cij = c + (long)i * ldc + j;
            const float *bj = b + j;
#define SN_TILE_AB(MR_, NV_)                                                                   \
    (accumulate ? tile_ab(MR_, NV_, 1, m, ncols, P, ai, ars, acs, bj, ldb, boff, 0, cij, ldc)   \
                : tile_ab(MR_, NV_, 0, m, ncols, P, ai, ars, acs, bj, ldb, boff, bi, cij, ldc))
            if (mr == 6) {
                switch (nv) {
                case 4: SN_TILE_AB(6, 4); break;
                case 3: SN_TILE_AB(6, 3); break;
                case 2: SN_TILE_AB(6, 2); break;
                default: SN_TILE_AB(6, 1); break;
                }
            } else {
                switch (nv) {
                case 4: SN_TILE_AB(4, 4); break;
                case 3: SN_TILE_AB(4, 3); break;
                case 2: SN_TILE_AB(4, 2); break;
                default: SN_TILE_AB(4, 1); break;
                }
            }
#undef SN_TILE_AB
        }
    }
}

static inline __attribute__((always_inline)) void
gemm_ab(int M, int N, int P, const float *restrict a, long ars, long acs,
        const float *restrict b, long ldb, const int *restrict boff, const float *restrict bias,
        float *restrict c, long ldc, const int wide) {
    gemm_ab_body(M, N, P, a, ars, acs, b, ldb, boff, bias, c, ldc, wide, 0);
}

// C (M, N) += A (M, P) · B (P, N), as gemm_ab without bias.
static inline __attribute__((always_inline)) void
gemm_ab_acc(int M, int N, int P, const float *restrict a, long ars, long acs,
            const float *restrict b, long ldb, float *restrict c, long ldc, const int wide) {
    gemm_ab_body(M, N, P, a, ars, acs, b, ldb, 0, 0, c, ldc, wide, 1);
}

// C (M, N) += A (M, L) · B (N, L)ᵀ: every entry a dot product of an A row and
// a B row, both of length L (a multiple of 16) with row strides lda, ldb
// (multiples of 16, aligned). C has row stride ldc. Tiles of 4 × 5 dot
// products in 20 vector accumulators (wide), 2 × 2 on AVX2 (8 ymm; see
// gemm_ab); edge rows repeat the last row. Each dot product sums lane by lane
// in the same order whatever the tile, so both tiles give the same bits.
static inline __attribute__((always_inline)) void
gemm_abt_acc(int M, int N, long L, const float *restrict a, long lda,
             const float *restrict b, long ldb, const int *restrict boff, float *restrict c, long ldc, const int wide) {
    const int MR = wide ? 4 : 2, NR = wide ? 5 : 2;
    for (int i0 = 0; i0 < M; i0 += MR) {
        const int m = imin(MR, M - i0);
        const float *ar[4];
        for (int i = 0; i < MR; i++) ar[i] = a + (long)(i0 + (i < m ? i : m - 1)) * lda;
        for (int j0 = 0; j0 < N; j0 += NR) {
            const int n = imin(NR, N - j0);
            const float *br[5];
            for (int j = 0; j < NR; j++) {
                const int r = j0 + (j < n ? j : n - 1);
                br[j] = b + (boff ? boff[r] : (long)r * ldb);
            }
            v16 acc[4][5];
            for (int i = 0; i < MR; i++)
                for (int j = 0; j < NR; j++) acc[i][j] = (v16){0};
            for (long l = 0; l < L; l += 16) {
                v16 bv[5];
                for (int j = 0; j < NR; j++) bv[j] = *(const v16u *)(br[j] + l);
                for (int i = 0; i < MR; i++) {
                    const v16 av = *(const v16u *)(ar[i] + l);
                    for (int j = 0; j < NR; j++) acc[i][j] += av * bv[j];
                }
            }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[(long)(i0 + i) * ldc + j0 + j] += hsum16(&acc[i][j]);
        }
    }
}

/* ---- per-image work, compiled once per instruction set -------------------- */

// x (C, H, W) copied into the middle of xpad (C, Hp, Wp), zeros around it
// and in the tail.
static inline __attribute__((always_inline)) void
pad_image(const sn_conv_geometry *g, const conv_layout *L, const float *restrict x,
          float *restrict xpad) {
    memset(xpad, 0, sizeof(float) * (size_t)L->xpad);
    for (int c = 0; c < g->C; c++)
        for (int h = 0; h < g->H; h++)
            copy_row(xpad + c * L->plane + (h + g->pad) * L->Wp + g->pad, x + ((long)c * g->H + h) * g->W, g->W);
}

// One image: out (FN, S) = W · im2col(x) + bias.
//
// Shifted (stride 1): over the padded width, column j = oh·Wp + ow of row
// (c, fh, fw) of the unfolded image is xpad[c·plane + fh·Wp + fw + j], so B
// is the padded image read at K row offsets and nothing is unfolded. The
// product runs over OH·Wp columns (those with ow ≥ OW are discarded), into
// a (FN, Lp) buffer, then the OW real columns of each row are copied out.
static inline __attribute__((always_inline)) void
conv_image_forward_body(const sn_conv_geometry *g, const conv_layout *L, const int *restrict boff,
                        const float *restrict x, const float *restrict w, const float *restrict bias,
                        float *restrict out, float *restrict col, float *restrict wide_out, const int wide) {
    if (L->shifted) {
        pad_image(g, L, x, col);
        gemm_ab(g->FN, (int)L->Np, (int)L->K, w, L->K, 1, col, 0, boff, bias, wide_out, L->Lp, wide);
        for (int f = 0; f < g->FN; f++)
            for (int oh = 0; oh < g->OH; oh++)
                copy_row(out + ((long)f * g->OH + oh) * g->OW, wide_out + f * L->Lp + oh * L->Wp, g->OW);
        return;
    }
    im2col_image(g, L->S, L->Sp, L->Sp, x, col);
    gemm_ab(g->FN, (int)L->S, (int)L->K, w, L->K, 1, col, L->Sp, 0, bias, out, L->S, wide);
}

// Shifted backward of G images: each image's channel planes padded and
// laid side by side (channel c of image i at c·gplane + i·plane), dout'
// spread over the same columns (zeros wherever no output lands, so those
// columns add nothing), then
//   dW  += dout' · Bᵀ           one product over (G−1)·plane + OH·Wp columns
//   dcol = Wᵀ · dout'_i          (K, OH·Wp), per image
//   dxpad[offset(k) + j] += dcol[k][j]   whole rows: the adjoint of the shifted read
// and dx_i is the middle of image i's planes in dxpad (xpad's memory).
static inline __attribute__((always_inline)) void
conv_group_backward_shifted(const sn_conv_geometry *g, const conv_layout *L, const conv_transposed *tr, int G,
                            const int *restrict boff, const float *restrict x, const float *restrict w,
                            const float *restrict dout, float *restrict dw, float *restrict db, float *restrict dx,
                            float *restrict col, float *restrict dpad, const int wide) {
    const int FN = g->FN, OH = g->OH, OW = g->OW, C = g->C, H = g->H, W = g->W, pad = g->pad;
    const long Lp = L->Lp, Wp = L->Wp, K = L->K, plane = L->plane, gplane = L->gplane;
    const long in_image = (long)C * H * W, out_image = (long)FN * OH * OW;
    const long Lg = round16((G - 1) * plane + L->Np);
    float *xg = col, *dcol = col + lmax(L->xpad, L->xgroup);
    memset(xg, 0, sizeof(float) * (size_t)L->xgroup);
    for (int i = 0; i < G; i++)
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
                copy_row(xg + c * gplane + i * plane + (h + pad) * Wp + pad, x + i * in_image + ((long)c * H + h) * W, W);
    memset(dpad, 0, sizeof(float) * (size_t)(FN * Lg + 16));
    for (int f = 0; f < FN; f++) {
        float *row = dpad + f * Lg;
        for (int i = 0; i < G; i++)
            for (int oh = 0; oh < OH; oh++)
                copy_row(row + i * plane + oh * Wp, dout + i * out_image + ((long)f * OH + oh) * OW, OW);
        v16 sum = {0};
        for (long j = 0; j < Lg; j += 16) sum += *(const v16 *)(row + j);
        db[f] += hsum16(&sum);
    }
    gemm_abt_acc(FN, (int)K, Lg, dpad, Lg, xg, 0, boff, dw, K, wide);
    if (!dx) return;
    if (tr) {
        // dx_i = the transposed convolution's forward of dout_i (no bias).
        for (int i = 0; i < G; i++)
            conv_image_forward_body(&tr->g, &tr->L, tr->boff, dout + i * out_image, tr->w, 0, dx + i * in_image,
                                    col + (L->tpad - L->col), col + (L->tout - L->col), wide);
        return;
    }
    float *dxg = xg;
    memset(dxg, 0, sizeof(float) * (size_t)L->xgroup);
    for (int i = 0; i < G; i++) {
        gemm_ab((int)K, (int)L->Np, FN, w, 1, K, dpad + i * plane, Lg, 0, 0, dcol, Lp, wide);
        for (long k = 0; k < K; k++) {
            float *dst = dxg + boff[k] + i * plane;
            const float *src = dcol + k * Lp;
            for (long j = 0; j < L->Np; j++) dst[j] += src[j];
        }
    }
    for (int i = 0; i < G; i++)
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
                copy_row(dx + i * in_image + ((long)c * H + h) * W, dxg + c * gplane + i * plane + (h + pad) * Wp + pad, W);
}

// One group of G images n0..n0+G−1 (x and dout point at n0): dw (FN, K) and
// db (FN) accumulate; dx (G, C, H, W), when not NULL, is overwritten.
static inline __attribute__((always_inline)) void
conv_group_backward_body(const sn_conv_geometry *g, const conv_layout *L, const conv_transposed *tr, int G,
                         const int *restrict boff,
                         const float *restrict x, const float *restrict w,
                         const float *restrict dout, float *restrict dw, float *restrict db,
                         float *restrict dx, float *restrict col, float *restrict dpad, const int wide) {
    const int FN = g->FN;
    const long S = L->S, Sp = L->Sp, K = L->K, ld = (long)G * Sp;
    const long in_image = (long)g->C * g->H * g->W, out_image = (long)FN * S;
    if (L->shifted) {
        conv_group_backward_shifted(g, L, tr, G, boff, x, w, dout, dw, db, dx, col, dpad, wide);
        return;
    }
    for (int i = 0; i < G; i++) {
        // dout rows copied to a zero-padded (FN, Sp) slot of the (FN, G·Sp)
        // buffer; their sums go to db.
        const float *dn = dout + i * out_image;
        for (int f = 0; f < FN; f++) {
            const float *src = dn + (long)f * S;
            float *dst = dpad + (long)f * ld + (long)i * Sp;
            v16 sum = {0};
            long s = 0;
            for (; s + 16 <= S; s += 16) {
                const v16 v = *(const v16u *)(src + s);
                *(v16u *)(dst + s) = v;
                sum += v;
            }
            if (s < S) {  // the last, partial vector: zero-padded
                float t[16] __attribute__((aligned(64))) = {0};
                for (long k = s; k < S; k++) t[k - s] = src[k];
                *(v16u *)(dst + s) = *(v16 *)t;
                sum += *(v16 *)t;
            }
            db[f] += hsum16(&sum);
        }
        im2col_image(g, S, Sp, ld, x + i * in_image, col + (long)i * Sp);
    }
    gemm_abt_acc(FN, (int)K, ld, dpad, ld, col, ld, 0, dw, K, wide);
    if (!dx) return;
    for (int i = 0; i < G; i++) {
        // dcol (K, Sp) = Wᵀ · dout_i: A[k][f] = w[f·K + k].
        gemm_ab((int)K, (int)S, FN, w, 1, K, dpad + (long)i * Sp, ld, 0, 0, col, Sp, wide);
        col2im_image(g, Sp, col, dx + i * in_image);
    }
}

// The bodies compiled once per instruction set, and the pick made at run
// time (one binary runs on any x86-64; see gemm_ab for why the tiles differ).
typedef void (*conv_forward_fn)(const sn_conv_geometry *, const conv_layout *, const int *, const float *,
                                const float *, const float *, float *, float *, float *);
typedef void (*conv_backward_fn)(const sn_conv_geometry *, const conv_layout *, const conv_transposed *, int,
                                 const int *,
                                 const float *, const float *, const float *, float *, float *,
                                 float *, float *, float *);
typedef void (*conv_wino_fn)(const sn_conv_geometry *, const wino_layout *, const float *, const float *, int,
                             const float *, float *, float *);
typedef void (*conv_wgrad_fn)(const sn_conv_geometry *, const wino_layout *, const float *, const float *, int,
                              float *, float *);

#define SN_CONV_VARIANT(SUFFIX, ATTRIBUTE, WIDE)                                                   \
    static ATTRIBUTE void conv_wino_##SUFFIX(                                                     \
        const sn_conv_geometry *g, const wino_layout *W, const float *restrict U,                 \
        const float *restrict x, int n, const float *restrict bias, float *restrict out,          \
        float *restrict region) {                                                                 \
        if (W->m == 4)                                                                            \
            wino4_forward_body(g, W, U, x, n, bias, out, region, WIDE);                           \
        else                                                                                      \
            wino_forward_body(g, W, U, x, n, bias, out, region, WIDE);                            \
    }                                                                                             \
    static ATTRIBUTE void conv_wgrad_##SUFFIX(                                                    \
        const sn_conv_geometry *g, const wino_layout *W, const float *restrict x,                 \
        const float *restrict dout, int n, float *restrict dU, float *restrict region) {          \
        wino_wgrad_body(g, W, x, dout, n, dU, region, WIDE);                                      \
    }                                                                                             \
    static ATTRIBUTE void conv_image_forward_##SUFFIX(                                            \
        const sn_conv_geometry *g, const conv_layout *L, const int *restrict boff,                \
        const float *restrict x, const float *restrict w, const float *restrict bias,             \
        float *restrict out, float *restrict col, float *restrict wide_out) {                     \
        conv_image_forward_body(g, L, boff, x, w, bias, out, col, wide_out, WIDE);                \
    }                                                                                             \
    static ATTRIBUTE void conv_group_backward_##SUFFIX(                                           \
        const sn_conv_geometry *g, const conv_layout *L, const conv_transposed *tr, int G,        \
        const int *restrict boff, const float *restrict x, const float *restrict w,               \
        const float *restrict dout, float *restrict dw, float *restrict db, float *restrict dx,   \
        float *restrict col, float *restrict dpad) {                                              \
        conv_group_backward_body(g, L, tr, G, boff, x, w, dout, dw, db, dx, col, dpad, WIDE);     \
    }

SN_CONV_VARIANT(base, , 0)
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
SN_CONV_VARIANT(avx512, __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), 1)
SN_CONV_VARIANT(avx2, __attribute__((target("avx2,fma"))), 0)
#endif

static int avx512_supported(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#else
    return 0;
#endif
}

static int avx2_supported(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

// The bodies for `which` (AUTO: the widest the CPU runs); -1 when the CPU
// cannot run it.
static int pick_conv_kernels(sn_gemm_kernel which, conv_forward_fn *forward, conv_backward_fn *backward,
                             conv_wino_fn *wino, conv_wgrad_fn *wgrad) {
    if (which == SN_GEMM_KERNEL_AUTO) which = sn_gemm_kernel_automatic();
    switch (which) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case SN_GEMM_KERNEL_AVX512:
        if (!avx512_supported()) return -1;
        *forward = conv_image_forward_avx512;
        *backward = conv_group_backward_avx512;
        *wino = conv_wino_avx512;
        *wgrad = conv_wgrad_avx512;
        return 0;
    case SN_GEMM_KERNEL_AVX2:
        if (!avx2_supported()) return -1;
        *forward = conv_image_forward_avx2;
        *backward = conv_group_backward_avx2;
        *wino = conv_wino_avx2;
        *wgrad = conv_wgrad_avx2;
        return 0;
#endif
    case SN_GEMM_KERNEL_GENERIC:
        *forward = conv_image_forward_base;
        *backward = conv_group_backward_base;
        *wino = conv_wino_base;
        *wgrad = conv_wgrad_base;
        return 0;
    default:
        return -1;
    }
}

/* ---- batch drivers ---------------------------------------------------------- */

static inline int block_start(int b, int blocks, int N) { return (int)((long)N * b / blocks); }

// Threads for a convolution of `flops` over `blocks` image blocks: 1 below
// the grain or with one block, else at most one per block.
static int conv_threads(int nthreads, double flops, int blocks) {
    if (flops < SN_CONV_PARALLEL_FLOPS || blocks <= 1 || nthreads <= 1) return 1;
    return imin(nthreads, blocks);
}

// The tile side for tiles2 2×2 or tiles4 4×4 tiles: 4 where 4×4 tiles need at most
// SN_WINO4_MAX_PRODUCTS of 2×2 tiles' products (36 per 4×4 tile against 16
// per 2×2 tile, counting the tiles that stick out of the image), else 2.
// Where the two are close, 2×2 tiles win: their transforms cost less per
// product, and they round less.
#define SN_WINO4_MAX_PRODUCTS 0.8
static int tile_side_for(long tiles2, long tiles4) {
    return 36.0 * tiles4 <= SN_WINO4_MAX_PRODUCTS * 16.0 * tiles2 ? 4 : 2;
}

// m×m tiles of one output image.
static long tiles_of(const sn_conv_geometry *g, int m) {
    return (long)((g->OH + m - 1) / m) * ((g->OW + m - 1) / m);
}

// The tile side where Winograd runs for a batch.
static int wino_tile_of(const sn_conv_geometry *g) { return tile_side_for(tiles_of(g, 2), tiles_of(g, 4)); }

// Winograd runs where it beats the direct product: 3×3 stride-1 layers
// with at least 16 input channels and 16 filters, and with 2×2 tiles
// C·FN ≥ 512. With 16 × 16 the 16 products of 2×2 tiles sum over only 16
// channels and the transforms and their memory traffic cost more than the
// products save (deep-cnn's 16→16 layer on 28×28: 0.75–0.88× the direct
// product's speed; its other layers, their input and weight gradients:
// 1.02–1.72×), at batch 100, one thread: run_conv_algorithms_ab.sh 1 10.
// 4×4 tiles (2.25 multiplies per output and channel, 2×2 ones 4) win there:
// forward 3.80 against 4.89 ms, weight gradient 4.09 against 6.03.
// And batches of at least 32 images: the weights' transform is paid once
// per call, and below 32 images the direct product wins on every layer of
// deep-cnn but its 8×8 ones (at batch 1 the direct forward takes 0.51–0.86×
// Winograd's time; at 16, 0.72–1.04×; at 32, 0.72–1.24×:
// run_conv_algorithms_ab.sh 1 200 1, ... 1 60 16, ... 1 20 32). So small
// training batches run direct; inference keeps the transformed weights
// (sn_conv_prepare_inference) and runs Winograd at any batch.
#define SN_WINO_MIN_C 16
#define SN_WINO_MIN_FN 16
#define SN_WINO_MIN_PRODUCT 512
#define SN_WINO_MIN_BATCH 32

// 3×3 stride-1 with enough channels and filters: where Winograd can pay.
static int wino_wide_enough(const sn_conv_geometry *g) {
    return wino_possible(g) && g->C >= SN_WINO_MIN_C && g->FN >= SN_WINO_MIN_FN;
}

static int winograd_pays(const sn_conv_geometry *g) {
    return wino_wide_enough(g) && g->N >= SN_WINO_MIN_BATCH &&
           ((long)g->C * g->FN >= SN_WINO_MIN_PRODUCT || wino_tile_of(g) == 4);
}

// The Winograd tile side geometry g (the forward's, or the transposed one
// of an input gradient) runs under `algorithm`: 0 for the direct product,
// -1 when Winograd was forced where it cannot run.
static int use_winograd(sn_conv_algorithm algorithm, int possible, const sn_conv_geometry *g) {
    switch (algorithm) {
    case SN_CONV_ALGORITHM_AUTO: return possible && winograd_pays(g) ? wino_tile_of(g) : 0;
    case SN_CONV_ALGORITHM_DIRECT: return 0;
    case SN_CONV_ALGORITHM_WINOGRAD: return possible ? 2 : -1;
    case SN_CONV_ALGORITHM_WINOGRAD_4X4: return possible ? 4 : -1;
    default: return -1;
    }
}

// Whether `algorithm` forces Winograd (either tile side).
static int winograd_forced(sn_conv_algorithm algorithm) {
    return algorithm == SN_CONV_ALGORITHM_WINOGRAD || algorithm == SN_CONV_ALGORITHM_WINOGRAD_4X4;
}

int sn_conv_uses_winograd(sn_conv_geometry g, int input_gradient) {
    if (!input_gradient) return winograd_pays(&g) ? wino_tile_of(&g) : 0;
    if (!transposable(&g)) return 0;
    const sn_conv_geometry t = transposed_of(&g);
    return winograd_pays(&t) ? wino_tile_of(&t) : 0;
}

// The forward on `kernel`'s instruction set with `wino` the tile side (0:
// the direct product); with `transform` 0 the Winograd weights are already
// in scratch (prepared). -1 (nothing computed) when the CPU cannot run `kernel`.
static int conv_forward(sn_gemm_kernel kernel, int wino, int transform, int nthreads, const float *restrict x,
                        const float *restrict w, const float *restrict bias, float *restrict out,
                        float *restrict scratch, const sn_conv_geometry *gp) {
    conv_forward_fn conv_image_forward;
    conv_backward_fn unused;
    conv_wino_fn conv_wino;
    conv_wgrad_fn unused_wgrad;
    if (pick_conv_kernels(kernel, &conv_image_forward, &unused, &conv_wino, &unused_wgrad) != 0) return -1;
    const sn_conv_geometry g = *gp;
    if (g.N <= 0) return 0;
    const conv_layout L = layout_of(&g);
    const wino_layout *WL = wino == 4 ? &L.wf4 : &L.wf;
    const double flops = 2.0 * g.N * g.FN * (double)L.K * (double)L.S;
    const long in_image = (long)g.C * g.H * g.W, out_image = (long)g.FN * L.S;
    int *boff = (int *)(scratch + L.offsets);
    float *U = scratch + (wino == 4 ? L.wu4 : L.wu);
    const int nth = conv_threads(nthreads, flops, L.blocks);
    if (wino == 4 && transform) wino4_weights(nth, g.FN, g.C, w, 0, U);
    else if (wino && transform) wino_weights(nth, g.FN, g.C, w, 0, U);
    else if (!wino && L.shifted) fill_offsets(&g, &L, L.plane, boff);
    float *blocks = scratch + L.first;
    SN_FOR_RANGES(nth, L.blocks, b0, b1, t, {
        for (int b = (int)b0; b < (int)b1; b++) {
            float *blk = blocks + (long)b * L.block;
            const int n0 = block_start(b, L.blocks, g.N), n1 = block_start(b + 1, L.blocks, g.N);
            if (wino) {
                conv_wino(&g, WL, U, x + n0 * in_image, n1 - n0, bias, out + n0 * out_image, blk + L.wreg);
                continue;
            }
            for (int n = n0; n < n1; n++)
                conv_image_forward(&g, &L, boff, x + n * in_image, w, bias, out + n * out_image,
                                   blk + L.col, blk + L.dout);
        }
    });
    return 0;
}

int sn_conv_forward_with_algorithm(sn_gemm_kernel kernel, sn_conv_algorithm algorithm, int nthreads,
                                   const float *restrict x, const float *restrict w, const float *restrict bias,
                                   float *restrict out, float *restrict scratch, sn_conv_geometry g) {
    const int wino = use_winograd(algorithm, wino_possible(&g), &g);
    if (wino < 0) return -1;
    return conv_forward(kernel, wino, 1, nthreads, x, w, bias, out, scratch, &g);
}

// The tile side of an inference network's prepared weights: Winograd on
// every 3×3 stride-1 layer of at least 16 channels and 16 filters (with
// its weights transformed once it beats the direct product at any batch,
// 16 → 16 channels included), the side that needs fewer products for one
// image, whose tiles fill whole vectors of 16 columns (36·⌈tiles₄⌉₁₆
// against 16·⌈tiles₂⌉₁₆, as wino_tile_of): 4×4 tiles on 14×14 and 28×28
// images, 2×2 tiles on 7×7 and 8×8 ones, where the 4×4 tiles of one image
// would fill a quarter of a vector. At batch 1, one thread, deep-cnn's
// layers take 0.43–0.70× the direct product's time (run_conv_algorithms_ab.sh
// with prepared weights).
static int prepared_tile_of(const sn_conv_geometry *g) {
    if (!wino_wide_enough(g)) return 0;
    return tile_side_for(round16(tiles_of(g, 2)), round16(tiles_of(g, 4)));
}

int sn_conv_prepare_inference(int nthreads, const float *restrict w, float *restrict scratch, sn_conv_geometry g) {
    const int tile = prepared_tile_of(&g);
    if (!tile) return 0;
    const conv_layout L = layout_of(&g);
    if (tile == 4) wino4_weights(nthreads, g.FN, g.C, w, 0, scratch + L.wu4);
    else wino_weights(nthreads, g.FN, g.C, w, 0, scratch + L.wu);
    return tile;
}

// The tile side an inference forward of g.N images runs (0: direct), and
// whether with the prepared weights: batches that fill vectors with several
// images' tiles run the side the training forward picks for them,
// transforming the weights as it does, where that side is another.
static int inference_tile(const sn_conv_geometry *g, int *prepared) {
    const int tile = prepared_tile_of(g), batch_tile = winograd_pays(g) ? wino_tile_of(g) : 0;
    *prepared = tile && !(batch_tile && batch_tile != tile);
    return *prepared ? tile : batch_tile;
}

int sn_conv_inference_tile(sn_conv_geometry g) {
    int prepared;
    return inference_tile(&g, &prepared);
}

int sn_conv_inference_forward(sn_gemm_kernel kernel, int nthreads, const float *restrict x,
                              const float *restrict w, const float *restrict bias, float *restrict out,
                              float *restrict scratch, sn_conv_geometry g) {
    int prepared;
    const int tile = inference_tile(&g, &prepared);
    return conv_forward(kernel, tile, !prepared, nthreads, x, w, bias, out, scratch, &g);
}

int sn_conv_forward_with_kernel(sn_gemm_kernel kernel, int nthreads, const float *restrict x,
                                const float *restrict w, const float *restrict bias, float *restrict out,
                                float *restrict scratch, sn_conv_geometry g) {
    return sn_conv_forward_with_algorithm(kernel, SN_CONV_ALGORITHM_AUTO, nthreads, x, w, bias, out, scratch, g);
}

void sn_conv_forward(int nthreads, const float *restrict x, const float *restrict w, const float *restrict bias,
                     float *restrict out, float *restrict scratch, sn_conv_geometry g) {
    (void)sn_conv_forward_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, x, w, bias, out, scratch, g);
}

// out[i] = ((0 + p[i]) + p[i + stride]) + … over the blocks' partial sums
// p[b·stride + i], in block order, for i < count; out may be block 0's own
// sums. A block-order pass per range of i, so the adds run as vectors and
// threads take disjoint ranges; each out[i] is the same sum in the same order.
static void sum_blocks(int nth, const float *p, long stride, int blocks, long count, float *out) {
    if (count < 16384) nth = 1;
    SN_FOR_RANGES(nth, count, lo, hi, t, {
        for (long i = lo; i < hi; i++) out[i] = 0.0f + p[i];
        for (int b = 1; b < blocks; b++) {
            const float *pb = p + (long)b * stride;
            for (long i = lo; i < hi; i++) out[i] += pb[i];
        }
    });
}

// Σ p[j] for j < S in 16 lanes (lane l takes j ≡ l mod 16) added in a
// fixed tree: vector adds where one running sum would wait on each add.
static float plane_sum(const float *restrict p, long S) {
    float acc[16] = {0};
    long j = 0;
    for (; j + 16 <= S; j += 16)
        for (int l = 0; l < 16; l++) acc[l] += p[j + l];
    for (int l = 0; j + l < S; l++) acc[l] += p[j + l];
    for (int l = 0; l < 8; l++) acc[l] += acc[l + 8];
    for (int l = 0; l < 4; l++) acc[l] += acc[l + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

int sn_conv_backward_with_algorithm(sn_gemm_kernel kernel, sn_conv_algorithm algorithm, int nthreads,
                                    const float *restrict x, const float *restrict w, const float *restrict dout,
                                    float *restrict dw, float *restrict db, float *restrict dx,
                                    float *restrict scratch, sn_conv_geometry g) {
    conv_forward_fn unused;
    conv_backward_fn conv_group_backward;
    conv_wino_fn conv_wino;
    conv_wgrad_fn conv_wgrad;
    if (pick_conv_kernels(kernel, &unused, &conv_group_backward, &conv_wino, &conv_wgrad) != 0) return -1;
    const long K = (long)g.C * g.FH * g.FW;
    const int forced = winograd_forced(algorithm);
    if (g.N <= 0) {
        if (forced && !(transposable(&g) && wino_possible(&g))) return -1;
        memset(dw, 0, sizeof(float) * (size_t)g.FN * (size_t)K);
        memset(db, 0, sizeof(float) * (size_t)g.FN);
        return 0;
    }
    const conv_layout L = layout_of(&g);
    conv_transposed transposed, *tr = 0;
    if (L.transposed) {
        transposed.g = transposed_of(&g);
        transposed.L = layout_core(&transposed.g);
    }
    // The input gradient through Winograd: the transposed convolution's forward.
    const int wino = use_winograd(algorithm, L.twino, L.transposed ? &transposed.g : &g);
    if (wino < 0) return -1;
    const double flops = (dx ? 4.0 : 2.0) * g.N * g.FN * (double)L.K * (double)L.S;
    const long in_image = (long)g.C * g.H * g.W, out_image = (long)g.FN * L.S;
    int *boff = (int *)(scratch + L.group_offsets);
    if (L.shifted) fill_offsets(&g, &L, L.gplane, boff);
    float *Ut = scratch + (wino == 4 ? L.wtu4 : L.wtu);
    const wino_layout *WT = wino == 4 ? &L.wt4 : &L.wt;
    const int dx_wino = dx && wino;
    // The weight gradient through Winograd, with the forward's tiles, where
    // the forward would run it, when the input gradient does too (or there
    // is none): the direct product computes dW and dx together.
    const int dw_tile = (dx ? dx_wino : 1) ? imax(0, use_winograd(algorithm, L.wino, &g)) : 0;
    const int dw_wino = dw_tile != 0;
    const wino_layout *WG = dw_tile == 4 ? &L.wf4 : &L.wf;
    const int nth = conv_threads(nthreads, flops, L.blocks);
    if (dx_wino && wino == 4) {
        wino4_weights(nth, transposed.g.FN, transposed.g.C, w, 1, Ut);
    } else if (dx_wino) {
        wino_weights(nth, transposed.g.FN, transposed.g.C, w, 1, Ut);
    } else if (dx && L.transposed) {
        int *tboff = (int *)(scratch + L.toffsets);
        fill_offsets(&transposed.g, &transposed.L, transposed.L.plane, tboff);
        flip_weights(&g, w, scratch + L.tweights);
        transposed.boff = tboff;
        transposed.w = scratch + L.tweights;
        tr = &transposed;
    }
    float *blocks = scratch + L.first;
    SN_FOR_RANGES(nth, L.blocks, b0, b1, t, {
        for (int b = (int)b0; b < (int)b1; b++) {
            float *blk = blocks + (long)b * L.block;
            float *pdw = blk + L.dw, *pdb = blk + L.db;
            if (!dw_wino) memset(pdw, 0, sizeof(float) * (size_t)g.FN * (size_t)K);  // Winograd sums dU instead
            memset(pdb, 0, sizeof(float) * (size_t)g.FN);
            const int n0 = block_start(b, L.blocks, g.N), n1 = block_start(b + 1, L.blocks, g.N);
            if (dw_wino) {
                float *pdu = blk + L.wdu;
                memset(pdu, 0, sizeof(float) * (size_t)WG->dU);
                for (int n = n0; n < n1; n++)
                    for (int f = 0; f < g.FN; f++) pdb[f] += plane_sum(dout + n * out_image + (long)f * L.S, L.S);
                conv_wgrad(&g, WG, x + n0 * in_image, dout + n0 * out_image, n1 - n0, pdu, blk + L.wreg);
            } else {
                for (int n = n0; n < n1; n += L.group) {
                    const int G = imin(L.group, n1 - n);
                    conv_group_backward(&g, &L, tr, G, boff, x + n * in_image, w, dout + n * out_image, pdw, pdb,
                                        dx && !dx_wino ? dx + n * in_image : 0, blk + L.col, blk + L.dout);
                }
            }
            if (dx_wino)
                conv_wino(&transposed.g, WT, Ut, dout + n0 * out_image, n1 - n0, 0, dx + n0 * in_image,
                          blk + L.wreg);
        }
    });
    // Partial gradients added up in block order (thread-count independent).
    if (dw_wino) {
        float *du = blocks + L.wdu;  // block 0's, overwritten with the sums
        sum_blocks(nth, blocks + L.wdu, L.block, L.blocks, WG->dU, du);
        if (dw_tile == 4) wino4_weight_gradient(g.FN, g.C, WG->FNp, du, dw);
        else wino_weight_gradient(g.FN, g.C, WG->FNp, du, dw);
    } else {
        sum_blocks(nth, blocks + L.dw, L.block, L.blocks, (long)g.FN * K, dw);
    }
    sum_blocks(1, blocks + L.db, L.block, L.blocks, g.FN, db);
    return 0;
}

int sn_conv_backward_with_kernel(sn_gemm_kernel kernel, int nthreads, const float *restrict x,
                                 const float *restrict w, const float *restrict dout, float *restrict dw,
                                 float *restrict db, float *restrict dx, float *restrict scratch,
                                 sn_conv_geometry g) {
    return sn_conv_backward_with_algorithm(kernel, SN_CONV_ALGORITHM_AUTO, nthreads, x, w, dout, dw, db, dx,
                                           scratch, g);
}

void sn_conv_backward(int nthreads, const float *restrict x, const float *restrict w, const float *restrict dout,
                      float *restrict dw, float *restrict db, float *restrict dx,
                      float *restrict scratch, sn_conv_geometry g) {
    (void)sn_conv_backward_with_kernel(SN_GEMM_KERNEL_AUTO, nthreads, x, w, dout, dw, db, dx, scratch, g);
}
