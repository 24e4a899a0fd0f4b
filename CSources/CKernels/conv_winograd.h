/*
 * conv_winograd.h — Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions.
 * Part of conv.c's translation unit: included there after its micro-kernels
 * (gemm_ab, round16, imin), compiled once per instruction set with them.
 *
 * Each 2×2 output tile comes from the 4×4 input tile d_c starting at row
 * 2·th − pad, column 2·tw − pad (zeros outside the image):
 *   Y = Aᵀ [ Σ_c (G g_fc Gᵀ) ⊙ (Bᵀ d_c B) ] A
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]        Aᵀ = [1 1 1 0; 0 1 −1 −1]
 * The 16 entries of the transformed tiles are 16 independent products over
 * the channels,
 *   M_k (FN, T) = U_k (FN, C) · V_k (C, T)      k = 0…15, T tiles,
 * so a tile costs 16 multiply-adds per (filter, channel) instead of 36
 * (2.25× fewer); the transforms are additions and halvings. Tiles are taken
 * a whole tile row at a time over consecutive images, R rows per chunk, so
 * that V and M (16·(C + FN) floats per tile) fit in about half of L2.
 *
 * The weight gradient goes through the same tiles: with dM = A dY Aᵀ per
 * tile and filter (the adjoint of the output transform),
 *   dU_k (C, FN) += V_k (C, T) · dM_kᵀ (T, FN)     over the batch
 *   dW_fc = Gᵀ dU_fc G                              once, at the end
 * dM is laid out (T, FN) so that this is gemm_ab's product with long sums
 * (over tiles) and vectors over filters.
 *
 * Every output comes from its own tile alone, its channel sums in
 * gemm_ab's fixed order: results do not depend on the chunking or on how
 * images are split over threads. dU sums tiles in order within an image
 * block; the blocks' sums are added in block order.
 */
#ifndef SN_CONV_WINOGRAD_H
#define SN_CONV_WINOGRAD_H

/* Bytes of V and M a chunk of tile rows aims for (half of a 1 MiB L2). */
#define SN_WINO_CHUNK_BYTES (512L * 1024)
/* Floats between the planes of V, M and dM beyond their contents: one
 * cache line. The transforms touch every plane per 16 tiles, and planes a
 * multiple of 4 KiB apart would all fall in the same L1 set. */
#define SN_WINO_PLANE_SKEW 16

/* Where one block's Winograd buffers sit (offsets in floats inside its region).
 * Tile rows of a chunk are laid end to end, TW columns each: column
 * t = r·TW + tw of the chunk is tile tw of tile row r, so every transform
 * loop runs over whole 16-tile vectors of the chunk, however narrow the
 * image (TW = 4 on 7×7 and 8×8 images). The input transform reads tile t's
 * four input columns 2t … 2t + 3 from two "super rows" of 2·TW columns per
 * tile row: one holding padded columns 0 … 2·TW − 1 of each row, one
 * holding columns 2 … 2·TW + 1 (a tile row spans 2·TW + 2 columns, so one
 * super row cannot hold the last tile's right half beside the next row's
 * start). */
typedef struct {
    int m;            /* output tile side: 2 here, 4 for F(4×4, 3×3) (conv_winograd4.h) */
    int TH, TW;       /* tiles per image: ⌈OH/m⌉ × ⌈OW/m⌉ */
    int R;            /* tile rows per chunk */
    long S2;          /* pixels per dout row in Y: 2·TW, a tile row's outputs */
    long Tp;          /* columns of V and M: R·TW rounded up to 16 */
    long Vk, Mk, dMk; /* floats from one transform entry's plane of V, M, dM to the next's */
    long dlen;        /* floats of one super row: 2·Tp + 48 (the last vector reads 34 past 2·t) */
    long V, M, D, O;  /* V (16, C, Tp), M (16, FN, Tp), D (2, 2, 4, dlen) input rows, O (2, 2·Tp) output rows */
    long region;      /* floats per block for the forward */
    long FNp;         /* FN rounded up to 16 */
    long dM, Y;       /* weight gradient: dM (16, Tp, FNp), Y (2, S2, FNp) two dout rows by pixel */
    long gregion;     /* floats per block for the weight gradient (V, D and the above) */
    long dU;          /* floats of one block's dU (16, C, FNp) */
    long U;           /* floats of the transformed weights (16, FN, C) */
} wino_layout;

static int wino_possible(const sn_conv_geometry *g) {
    return g->stride == 1 && g->FH == 3 && g->FW == 3 && g->OH >= 1 && g->OW >= 1;
}

// The tiling both tile sides share: m×m output tiles, (m + 2)² transform
// entries, as many tile rows per chunk as fit SN_WINO_CHUNK_BYTES of V and
// M, and the planes' strides. The rest of the layout is zero.
static wino_layout wino_tiling(const sn_conv_geometry *g, int m) {
    wino_layout W;
    memset(&W, 0, sizeof W);
    W.m = m;
    W.TH = (g->OH + m - 1) / m;
    W.TW = (g->OW + m - 1) / m;
    W.S2 = (long)m * W.TW;
    const long per_row = (long)(m + 2) * (m + 2) * (g->C + g->FN) * W.TW * (long)sizeof(float);
    long R = SN_WINO_CHUNK_BYTES / per_row;
    const long total = (long)g->N * W.TH;
    if (R > total) R = total;
    if (R < 1) R = 1;
    W.R = (int)R;
    W.Tp = round16(R * W.TW);
    W.Vk = (long)g->C * W.Tp + SN_WINO_PLANE_SKEW;
    W.Mk = (long)g->FN * W.Tp + SN_WINO_PLANE_SKEW;
    return W;
}

// The weight gradient's buffers after the forward's region, for W.m × W.m
// tiles: dM ((m + 2)², Tp, FNp), Y (m, S2, FNp) a tile row's dout rows by
// pixel, and the per-block sums dU ((m + 2)², C, FNp).
static void wino_add_wgrad(const sn_conv_geometry *g, wino_layout *W) {
    const long entries = (long)(W->m + 2) * (W->m + 2);
    W->FNp = round16(g->FN);
    W->dM = W->region;
    W->dMk = W->Tp * W->FNp + SN_WINO_PLANE_SKEW;
    W->Y = W->dM + entries * W->dMk;
    W->gregion = W->Y + W->m * W->S2 * W->FNp;
    W->dU = entries * g->C * W->FNp;
}

static wino_layout wino_layout_of(const sn_conv_geometry *g) {
    wino_layout W = wino_tiling(g, 2);
    W.dlen = round16(2 * W.Tp + 48);
    W.V = 0;
    W.M = W.V + 16L * W.Vk;
    W.D = W.M + 16L * W.Mk;
    W.O = W.D + 16 * W.dlen;
    W.region = W.O + 4 * W.Tp;
    wino_add_wgrad(g, &W);
    W.U = 16L * g->FN * g->C;
    return W;
}

// k[e][l] = entry e of the 3×3 kernel of filter f and channel c0 + l for
// l < n (zeros above): w[f][c], or with flip the transposed convolution's
// kernel w[c][f] rotated by 180°.
static inline __attribute__((always_inline)) void
wino_load_kernels(int FN, int C, const float *restrict w, int flip, long f, int c0, int n, float k[9][16]) {
    for (int l = n; l < 16; l++)
        for (int e = 0; e < 9; e++) k[e][l] = 0.0f;
    for (int l = 0; l < n; l++) {
        const long c = c0 + l;
        const float *src = w + (flip ? c * FN + f : f * C + c) * 9;
        for (int e = 0; e < 9; e++) k[e][l] = flip ? src[8 - e] : src[e];
    }
}

// U (16, FN, C): U[k][f][c] = (G·k_fc·Gᵀ)[k / 4][k % 4] for the 3×3 kernel
// k_fc = w[f][c]; with flip, the transposed convolution's kernel
// w[c][f] rotated by 180° (w is then (C, FN, 3, 3) of the original layer).
// Filters f0..<f1 only, so threads can share the transform. 16 channels at a
// time in lanes: U's rows are contiguous in c, and the same expressions per
// lane give the bits of one kernel at a time (sums and halvings only:
// nothing an FMA could fuse, so every clone computes the same bits).
#if defined(__x86_64__) && defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void wino_weights_range(int FN, int C, const float *restrict w, int flip,
                                              float *restrict U, long f0, long f1) {
    enum { L = 16 };
    for (long f = f0; f < f1; f++)
        for (int c0 = 0; c0 < C; c0 += L) {
            const int n = C - c0 < L ? C - c0 : L;
            float k[9][L], t[4][3][L];
            wino_load_kernels(FN, C, w, flip, f, c0, n, k);
            for (int b = 0; b < 3; b++)
                for (int l = 0; l < L; l++) {
                    t[0][b][l] = k[b][l];
                    t[1][b][l] = 0.5f * (k[b][l] + k[3 + b][l] + k[6 + b][l]);
                    t[2][b][l] = 0.5f * (k[b][l] - k[3 + b][l] + k[6 + b][l]);
                    t[3][b][l] = k[6 + b][l];
                }
            for (int i = 0; i < 4; i++) {
                float u[4][L];
                for (int l = 0; l < L; l++) {
                    u[0][l] = t[i][0][l];
                    u[1][l] = 0.5f * (t[i][0][l] + t[i][1][l] + t[i][2][l]);
                    u[2][l] = 0.5f * (t[i][0][l] - t[i][1][l] + t[i][2][l]);
                    u[3][l] = t[i][2][l];
                }
                for (int j = 0; j < 4; j++) {
                    float *dst = U + ((long)(4 * i + j) * FN + f) * C + c0;
                    if (n == L) {
                        for (int l = 0; l < L; l++) dst[l] = u[j][l];   // a constant count: vector stores
                    } else {
                        for (int l = 0; l < n; l++) dst[l] = u[j][l];
                    }
                }
            }
        }
}

// wino_weights_range over every filter, on up to nth threads once the
// transform is large enough to pay for waking them.
static void wino_weights(int nth, int FN, int C, const float *restrict w, int flip, float *restrict U) {
    if ((long)FN * C < 1024) nth = 1;
    SN_FOR_RANGES(nth, FN, f0, f1, t, { wino_weights_range(FN, C, w, flip, U, f0, f1); });
}

// dst[k] = src[k] + b for k < n, in vectors of 16, 8 or 4 (the last one
// overlapping the one before: both write the same values), so rows of a
// few to 64 floats need neither a scalar tail nor a memcpy call.
static inline __attribute__((always_inline)) void
wino_copy_row(float *restrict dst, const float *restrict src, int n, float b) {
    typedef float v8u __attribute__((vector_size(32), aligned(4)));
    typedef float v4u __attribute__((vector_size(16), aligned(4)));
    if (n >= 16) {
        int k = 0;
        for (; k + 16 <= n; k += 16) *(v16u *)(dst + k) = *(const v16u *)(src + k) + b;
        if (k < n) *(v16u *)(dst + n - 16) = *(const v16u *)(src + n - 16) + b;
    } else if (n >= 8) {
        *(v8u *)dst = *(const v8u *)src + b;
        *(v8u *)(dst + n - 8) = *(const v8u *)(src + n - 8) + b;
    } else if (n >= 4) {
        *(v4u *)dst = *(const v4u *)src + b;
        *(v4u *)(dst + n - 4) = *(const v4u *)(src + n - 4) + b;
    } else {
        for (int k = 0; k < n; k++) dst[k] = src[k] + b;
    }
}

// Even and odd lanes of the 32 floats at p (p[2t], p[2t + 1] for t < 16).
#define SN_WINO_SPLIT(p, even, odd)                                                              \
    do {                                                                                         \
        const v16 a_ = *(const v16u *)(p), b_ = *(const v16u *)((p) + 16);                      \
        even = __builtin_shufflevector(a_, b_, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); \
        odd = __builtin_shufflevector(a_, b_, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31); \
    } while (0)

// The same within each 128-bit lane (one shuffle per 128 bits, no lane
// crossing): lane l of even is (p[4l], p[4l + 2], p[16 + 4l], p[16 + 4l + 2]),
// so position 4l + m holds tile 2l + m (m < 2) or 8 + 2l + m − 2. The
// forward keeps V and M in that order and wino_output's unpacks undo it.
#define SN_WINO_SPLIT_LANES(p, even, odd)                                                        \
    do {                                                                                         \
        const v16 a_ = *(const v16u *)(p), b_ = *(const v16u *)((p) + 16);                      \
        even = __builtin_shufflevector(a_, b_, 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30); \
        odd = __builtin_shufflevector(a_, b_, 1, 3, 17, 19, 5, 7, 21, 23, 9, 11, 25, 27, 13, 15, 29, 31); \
    } while (0)

// Channel c's input rows for m×m output tiles (m = 2, or 4 in
// conv_winograd4.h) of tile rows q0 … q0 + R − 1 (tile row q is row q % TH
// of image q / TH; x points at image 0): into Dc's super row s·(m + 2) + i
// (s = 0, 1), padded columns s·m … s·m + m·TW − 1 of input row
// m·th − pad + i of every tile row r, at r·m·TW. Rows outside the image and
// padding are not written: zeros the caller set once for every channel.
static inline __attribute__((always_inline)) void
wino_fill_rows(const sn_conv_geometry *g, const wino_layout *W, const float *restrict x, long q0, int R, int c,
               float *restrict Dc, const int m) {
    const int H = g->H, IW = g->W, pad = g->pad, TH = W->TH;
    const long TS = (long)m * W->TW, dl = W->dlen, in_image = (long)g->C * H * IW;
    for (int s = 0; s < 2; s++) {
        // Padded column pad + iw lands at s·m + j, 0 ≤ j < m·TW, for iw in [lo, hi).
        const int lo = imax(0, s * m - pad), hi = imin(IW, (int)TS + s * m - pad);
        if (hi <= lo) continue;
        for (int i = 0; i < m + 2; i++) {
            float *restrict Di = Dc + (s * (m + 2) + i) * dl;
            for (int r = 0; r < R; r++) {
                const long q = q0 + r, n = q / TH;
                const int ih = m * (int)(q % TH) - pad + i;
                if (ih < 0 || ih >= H) continue;
                wino_copy_row(Di + r * TS + pad + lo - s * m, x + n * in_image + ((long)c * H + ih) * IW + lo,
                              hi - lo, 0.0f);
            }
        }
    }
}

// V[k][c][t] = (Bᵀ d B)[k / 4][k % 4] for the tiles of tile rows q0 … q0 + R − 1
// (tile row q is row q % TH of image q / TH; x points at image 0), column
// t = r·TW + tw. Per channel, D holds the input rows wino_fill_rows copies
// for 2×2 tiles (tile t's four columns are 2t, 2t + 1 of super row 0 and of
// super row 1, which starts two columns on). Two sets of D rows, filled one channel
// ahead of the transform that reads them: a row read right after its
// (misaligned) stores stalls on store forwarding, which cost more than the
// transform itself. With `lanes`, each 16 columns of V hold their tiles in
// SN_WINO_SPLIT_LANES's order (the forward's); without, in tile order (the
// weight gradient's, whose sums over tiles run in that order).
static inline __attribute__((always_inline)) void
wino_input(const sn_conv_geometry *g, const wino_layout *W, const float *restrict x, long q0, int R,
           float *restrict V, float *restrict D, const int lanes) {
    const int C = g->C;
    const long Tp = W->Tp, kst = W->Vk, dl = W->dlen;
    const long vectors = (R * (long)W->TW + 15) / 16;
    // Zeros wherever no channel's pixels land (padding, rows outside the
    // image, the tail), once per chunk: the copies write the same places for every channel.
    memset(D, 0, sizeof(float) * (size_t)(16 * dl));
    for (int c = -1; c < C; c++) {
        if (c + 1 < C) wino_fill_rows(g, W, x, q0, R, c + 1, D + ((c + 1) & 1) * 8 * dl, 2);
        if (c < 0) continue;
        const float *restrict Dc = D + (c & 1) * 8 * dl, *restrict Dc2 = Dc + 4 * dl;
        float *restrict v = V + (long)c * Tp;
        for (long t = 0; t < vectors * 16; t += 16) {
            v16 e[4], o[4], e2[4], o2[4];  // columns 2t, 2t + 1, 2t + 2, 2t + 3 of rows 0…3
            for (int i = 0; i < 4; i++) {
                if (lanes) {
                    SN_WINO_SPLIT_LANES(Dc + i * dl + 2 * t, e[i], o[i]);
                    SN_WINO_SPLIT_LANES(Dc2 + i * dl + 2 * t, e2[i], o2[i]);
                } else {
                    SN_WINO_SPLIT(Dc + i * dl + 2 * t, e[i], o[i]);
                    SN_WINO_SPLIT(Dc2 + i * dl + 2 * t, e2[i], o2[i]);
                }
            }
            v16 s[4][4];  // Bᵀ d, by column
#define SN_WINO_COLUMN(j, a)                                                                      \
            s[0][j] = a[0] - a[2]; s[1][j] = a[1] + a[2]; s[2][j] = a[2] - a[1]; s[3][j] = a[1] - a[3];
            SN_WINO_COLUMN(0, e) SN_WINO_COLUMN(1, o) SN_WINO_COLUMN(2, e2) SN_WINO_COLUMN(3, o2)
#undef SN_WINO_COLUMN
            for (int i = 0; i < 4; i++) {
                *(v16u *)(v + (4 * i + 0) * kst + t) = s[i][0] - s[i][2];
                *(v16u *)(v + (4 * i + 1) * kst + t) = s[i][1] + s[i][2];
                *(v16u *)(v + (4 * i + 2) * kst + t) = s[i][2] - s[i][1];
                *(v16u *)(v + (4 * i + 3) * kst + t) = s[i][1] - s[i][3];
            }
        }
    }
}

// out (images of the chunk, FN, OH, OW) from M: per filter, Aᵀ m A + bias
// for 16 tiles at a time into two output super rows O_0, O_1 (even and odd
// output rows, the tile's two columns interleaved, 2·TW columns per tile
// row), then each tile row's OH × OW part copied out (the last tile row or
// column is half outside when OH or OW is odd).
static inline __attribute__((always_inline)) void
wino_output(const sn_conv_geometry *g, const wino_layout *W, long q0, int R, const float *restrict M,
            const float *restrict bias, float *restrict out, float *restrict O) {
    const int FN = g->FN, OH = g->OH, OW = g->OW, TH = W->TH;
    const long Tp = W->Tp, kst = W->Mk, out_image = (long)FN * OH * OW, TS = 2L * W->TW;
    const long vectors = (R * (long)W->TW + 15) / 16;
    float *restrict O0 = O, *restrict O1 = O + 2 * Tp;
    for (int f = 0; f < FN; f++) {
        const float *restrict m = M + (long)f * Tp;
        const float b = bias ? bias[f] : 0.0f;
        for (long t = 0; t < vectors * 16; t += 16) {
            v16 t0[4], t1[4];
            for (int j = 0; j < 4; j++) {
                const v16 m0 = *(const v16u *)(m + (0 + j) * kst + t), m1 = *(const v16u *)(m + (4 + j) * kst + t);
                const v16 m2 = *(const v16u *)(m + (8 + j) * kst + t), m3 = *(const v16u *)(m + (12 + j) * kst + t);
                t0[j] = m0 + m1 + m2;
                t1[j] = m1 - m2 - m3;
            }
            const v16 y00 = t0[0] + t0[1] + t0[2], y01 = t0[1] - t0[2] - t0[3];
            const v16 y10 = t1[0] + t1[1] + t1[2], y11 = t1[1] - t1[2] - t1[3];
            // Unpacks within 128-bit lanes put SN_WINO_SPLIT_LANES's tiles back in order.
            *(v16u *)(O0 + 2 * t) = __builtin_shufflevector(y00, y01, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
            *(v16u *)(O0 + 2 * t + 16) = __builtin_shufflevector(y00, y01, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
            *(v16u *)(O1 + 2 * t) = __builtin_shufflevector(y10, y11, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
            *(v16u *)(O1 + 2 * t + 16) = __builtin_shufflevector(y10, y11, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
        }
        for (int r = 0; r < R; r++) {
            const long q = q0 + r, n = q / TH;
            const int oh = 2 * (int)(q % TH);
            float *o = out + n * out_image + ((long)f * OH + oh) * OW;
            const float *y0 = O0 + r * TS, *y1 = O1 + r * TS;
            wino_copy_row(o, y0, OW, b);
            if (oh + 1 < OH) wino_copy_row(o + OW, y1, OW, b);
        }
    }
}

// out (n, FN, OH, OW) = conv(x (n, C, H, W), U) + bias (bias may be NULL),
// for n consecutive images, in chunks of tile rows; region holds W->region floats.
static inline __attribute__((always_inline)) void
wino_forward_body(const sn_conv_geometry *g, const wino_layout *W, const float *restrict U,
                  const float *restrict x, int n, const float *restrict bias, float *restrict out,
                  float *restrict region, const int wide) {
    const int FN = g->FN, C = g->C;
    const long Tp = W->Tp;
    float *V = region + W->V, *M = region + W->M, *D = region + W->D, *O = region + W->O;
    const long total = (long)n * W->TH;
    for (long q0 = 0; q0 < total; q0 += W->R) {
        const int R = (int)(total - q0 < W->R ? total - q0 : W->R);
        // Every column of the last 16-tile vector (its tiles sit in
        // SN_WINO_SPLIT_LANES's order, so real ones may follow padding
        // ones); columns past the last tile hold transforms of the zero tail of D: finite.
        const int cols = (int)round16(R * W->TW);
        wino_input(g, W, x, q0, R, V, D, 1);
        for (int k = 0; k < 16; k++)
            gemm_ab(FN, cols, C, U + (long)k * FN * C, C, 1, V + k * W->Vk, Tp, 0, 0, M + k * W->Mk, Tp, wide);
        wino_output(g, W, q0, R, M, bias, out, O);
    }
}

// Y's m dout rows of tile row q (m×m tiles; dout points at image 0), row a
// at a·S2·FNp, pixel by pixel: FNp floats per pixel, filter f at f. Rows
// past OH are zeroed; pixels past OW and filters past FN are not written
// (zeros the caller set once).
static inline __attribute__((always_inline)) void
wino_dout_rows(const sn_conv_geometry *g, const wino_layout *W, const float *restrict dout, long q, const int m,
               float *restrict Y) {
    const int FN = g->FN, OH = g->OH, OW = g->OW;
    const long FNp = W->FNp, S2 = W->S2, n = q / W->TH;
    const int th = (int)(q % W->TH);
    for (int a = 0; a < m; a++) {
        const int oh = m * th + a;
        float *ya = Y + a * S2 * FNp;
        if (oh >= OH) {  // rows of the last tile row past OH
            memset(ya, 0, sizeof(float) * (size_t)(S2 * FNp));
            continue;
        }
        for (int f = 0; f < FN; f++) {
            const float *src = dout + (n * FN + f) * OH * OW + (long)oh * OW;
            for (int ow = 0; ow < OW; ow++) ya[ow * FNp + f] = src[ow];
        }
    }
}

// dMt[k][t][f] = (A dY Aᵀ)[k / 4][k % 4] for filter f and the tiles of tile
// rows q0 … q0 + R − 1 (dout points at image 0), t as in wino_input; zeros
// for the outputs past OH, OW. Y holds a tile row's two dout rows
// (wino_dout_rows).
static inline __attribute__((always_inline)) void
wino_dout(const sn_conv_geometry *g, const wino_layout *W, const float *restrict dout, long q0, int R,
          float *restrict dMt, float *restrict Y) {
    const int TW = W->TW;
    const long FNp = W->FNp, S2 = W->S2, kst = W->dMk;
    memset(Y, 0, sizeof(float) * (size_t)(2 * S2 * FNp));
    for (int r = 0; r < R; r++) {
        wino_dout_rows(g, W, dout, q0 + r, 2, Y);
        float *restrict d = dMt + (long)r * TW * FNp;
        for (int tw = 0; tw < TW; tw++) {
            for (long v = 0; v < FNp; v += 16) {
                float *dt = d + tw * FNp + v;
                const float *y0 = Y + 2 * tw * FNp + v, *y1 = Y + (S2 + 2 * tw) * FNp + v;
                const v16 p00 = *(const v16u *)y0, p01 = *(const v16u *)(y0 + FNp);
                const v16 p10 = *(const v16u *)y1, p11 = *(const v16u *)(y1 + FNp);
                const v16 rows[4][2] = {{p00, p01}, {p00 + p10, p01 + p11}, {p00 - p10, p01 - p11},
                                        {-p10, -p11}};
                for (int i = 0; i < 4; i++) {
                    const v16 a = rows[i][0], b = rows[i][1];
                    *(v16u *)(dt + (4 * i + 0) * kst) = a;
                    *(v16u *)(dt + (4 * i + 1) * kst) = a + b;
                    *(v16u *)(dt + (4 * i + 2) * kst) = a - b;
                    *(v16u *)(dt + (4 * i + 3) * kst) = -b;
                }
            }
        }
    }
}

// dw (FN, C, 3, 3) = Gᵀ dU_fc G for the summed dU (16, C, FNp).
static void wino_weight_gradient(int FN, int C, long FNp, const float *restrict dU, float *restrict dw) {
    for (int f = 0; f < FN; f++)
        for (int c = 0; c < C; c++) {
            float u[4][4], t[3][4];
            for (int k = 0; k < 16; k++) u[k / 4][k % 4] = dU[((long)k * C + c) * FNp + f];
            for (int j = 0; j < 4; j++) {
                t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
                t[1][j] = 0.5f * (u[1][j] - u[2][j]);
                t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
            }
            float *o = dw + ((long)f * C + c) * 9;
            for (int a = 0; a < 3; a++) {
                o[a * 3 + 0] = t[a][0] + 0.5f * (t[a][1] + t[a][2]);
                o[a * 3 + 1] = 0.5f * (t[a][1] - t[a][2]);
                o[a * 3 + 2] = 0.5f * (t[a][1] + t[a][2]) + t[a][3];
            }
        }
}

#endif
