/*
 * conv_winograd4.h — Winograd F(4×4, 3×3) for the forward of 3×3 stride-1
 * convolutions, and so for their input gradient (the transposed
 * convolution's forward). Part of conv.c's translation unit: included there
 * after conv_winograd.h, whose layout, row copies and chunking it shares.
 *
 * Each 4×4 output tile comes from the 6×6 input tile d_c starting at row
 * 4·th − pad, column 4·tw − pad (zeros outside the image):
 *   Y = Aᵀ [ Σ_c (G g_fc Gᵀ) ⊙ (Bᵀ d_c B) ] A
 *   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0;
 *         0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
 *   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1]
 *   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
 * 36 products over the channels per 16 outputs: 2.25 multiply-adds per
 * output and (filter, channel), against F(2×2, 3×3)'s 4 and the direct 9.
 * The price is rounding: the transforms scale entries by up to 5 (Bᵀ) and
 * 8 (Aᵀ), and G's sixths are inexact, so the error bound the tests state is
 * wider than F(2×2)'s.
 *
 * The weight gradient goes through the same tiles as F(2×2)'s does
 * (conv_winograd.h): dM = A dY Aᵀ (6×6 from each 4×4 dout tile),
 * dU_k (C, FN) += V_k · dM_kᵀ over the batch, dW_fc = Gᵀ dU_fc G at the end:
 * 36 products per 16 outputs where 2×2 tiles take 64. wino_wgrad_body,
 * here because it calls both headers' transforms, runs either tile side.
 *
 * The layout is F(2×2)'s with four columns per tile: tile rows of a chunk
 * end to end, TW tiles each, 16 tiles per vector; tile t reads its six
 * input columns 4t … 4t + 5 from two super rows per input row, one holding
 * padded columns 0 … 4·TW − 1 of each tile row, one holding 4 … 4·TW + 3.
 * As in F(2×2), every output comes from its own tile alone, its channel
 * sums in gemm_ab's fixed order: results do not depend on the chunking or
 * the threads.
 */
#ifndef SN_CONV_WINOGRAD4_H
#define SN_CONV_WINOGRAD4_H

// The layout for 4×4 tiles: V (36, C, Tp), M (36, FN, Tp), D (2, 2, 6,
// dlen), O (4, 4·Tp), and the weight gradient's buffers (wino_add_wgrad).
static wino_layout wino4_layout_of(const sn_conv_geometry *g) {
    wino_layout W = wino_tiling(g, 4);
    W.dlen = round16(4 * W.Tp + 16);  // the last vector reads 64 floats from 4·t, t < Tp
    W.V = 0;
    W.M = W.V + 36L * W.Vk;
    W.D = W.M + 36L * W.Mk;
    W.O = W.D + 24 * W.dlen;
    W.region = W.O + 16 * W.Tp;
    wino_add_wgrad(g, &W);
    W.U = 36L * g->FN * g->C;
    return W;
}

// U (36, FN, C): U[k][f][c] = (G·k_fc·Gᵀ)[k / 6][k % 6], filters f0..<f1,
// 16 channels at a time in lanes, flip as in wino_weights_range. Every
// expression rounds the same with or without FMAs (its products by 2 and 4
// are exact; the sixths and twenty-fourths multiply a finished sum), so
// every clone computes the same bits.
#if defined(__x86_64__) && defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void wino4_weights_range(int FN, int C, const float *restrict w, int flip,
                                float *restrict U, long f0, long f1) {
    enum { L = 16 };
    const float sixth = 1.0f / 6.0f, twentyfourth = 1.0f / 24.0f;
    for (long f = f0; f < f1; f++)
        for (int c0 = 0; c0 < C; c0 += L) {
            const int n = C - c0 < L ? C - c0 : L;
            float k[9][L], t[6][3][L];
            wino_load_kernels(FN, C, w, flip, f, c0, n, k);
            for (int b = 0; b < 3; b++)
                for (int l = 0; l < L; l++) {
                    const float k0 = k[b][l], k1 = k[3 + b][l], k2 = k[6 + b][l];
                    t[0][b][l] = 0.25f * k0;
                    t[1][b][l] = -(k0 + k1 + k2) * sixth;
                    t[2][b][l] = -(k0 - k1 + k2) * sixth;
                    t[3][b][l] = (k0 + 2.0f * k1 + 4.0f * k2) * twentyfourth;
                    t[4][b][l] = (k0 - 2.0f * k1 + 4.0f * k2) * twentyfourth;
                    t[5][b][l] = k2;
                }
            for (int i = 0; i < 6; i++) {
                float u[6][L];
                for (int l = 0; l < L; l++) {
                    const float k0 = t[i][0][l], k1 = t[i][1][l], k2 = t[i][2][l];
                    u[0][l] = 0.25f * k0;
                    u[1][l] = -(k0 + k1 + k2) * sixth;
                    u[2][l] = -(k0 - k1 + k2) * sixth;
                    u[3][l] = (k0 + 2.0f * k1 + 4.0f * k2) * twentyfourth;
                    u[4][l] = (k0 - 2.0f * k1 + 4.0f * k2) * twentyfourth;
                    u[5][l] = k2;
                }
                for (int j = 0; j < 6; j++) {
                    float *dst = U + ((long)(6 * i + j) * FN + f) * C + c0;
                    if (n == L) {
                        for (int l = 0; l < L; l++) dst[l] = u[j][l];
                    } else {
                        for (int l = 0; l < n; l++) dst[l] = u[j][l];
                    }
                }
            }
        }
}

static void wino4_weights(int nth, int FN, int C, const float *restrict w, int flip, float *restrict U) {
    if ((long)FN * C < 1024) nth = 1;
    SN_FOR_RANGES(nth, FN, f0, f1, t, { wino4_weights_range(FN, C, w, flip, U, f0, f1); });
}

// r = Bᵀ d for one column (or row) of six tile entries, 16 tiles per vector.
static inline __attribute__((always_inline)) void wino4_bt(const v16 d[6], v16 r[6]) {
    const v16 a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1];
    const v16 e = d[4] - d[2], f = 2.0f * (d[3] - d[1]);
    r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    r[1] = a + b;
    r[2] = a - b;
    r[3] = e + f;
    r[4] = e - f;
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// y = Aᵀ m for six entries.
static inline __attribute__((always_inline)) void wino4_at(const v16 m[6], v16 y[4]) {
    const v16 p = m[1] + m[2], q = m[1] - m[2], u = m[3] + m[4], v = m[3] - m[4];
    y[0] = m[0] + p + u;
    y[1] = q + 2.0f * v;
    y[2] = p + 4.0f * u;
    y[3] = q + 8.0f * v + m[5];
}

// 4×4 transposes within each 128-bit lane of four vectors a, b, c, d:
// lane l of c_j is (a_l[j], b_l[j], c_l[j], d_l[j]). Lane-local shuffles
// only (unpack and move-halves on AVX2 and AVX-512). Loaded from 16 tiles'
// four columns (tile t at 4t … 4t + 3), c_j holds column j with lane
// position 4l + m for tile 4m + l: V's columns within each 16-tile vector
// are in that order, which the products keep and the output's transpose
// (the same one) undoes.
#define SN_WINO4_TRANSPOSE(a, b, c, d, c0, c1, c2, c3)                                               \
    do {                                                                                             \
        const v16 t0_ = __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);   \
        const v16 t1_ = __builtin_shufflevector(c, d, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);   \
        const v16 t2_ = __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31); \
        const v16 t3_ = __builtin_shufflevector(c, d, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31); \
        c0 = __builtin_shufflevector(t0_, t1_, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);          \
        c1 = __builtin_shufflevector(t0_, t1_, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);        \
        c2 = __builtin_shufflevector(t2_, t3_, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);          \
        c3 = __builtin_shufflevector(t2_, t3_, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);        \
    } while (0)

// Columns 0…3 of the 16 tiles whose four columns start at p (see SN_WINO4_TRANSPOSE).
#define SN_WINO4_SPLIT(p, c0, c1, c2, c3)                                                            \
    do {                                                                                             \
        const v16 a_ = *(const v16u *)(p), b_ = *(const v16u *)((p) + 16);                          \
        const v16 c_ = *(const v16u *)((p) + 32), d_ = *(const v16u *)((p) + 48);                   \
        SN_WINO4_TRANSPOSE(a_, b_, c_, d_, c0, c1, c2, c3);                                          \
    } while (0)

// V[k][c][t] = (Bᵀ d B)[k / 6][k % 6] for the tiles of tile rows q0 … q0 + R − 1,
// as wino_input does for 2×2 tiles: per channel, D_s,i holds padded columns
// 4s … 4s + 4·TW − 1 (s = 0, 1) of input row 4·th − pad + i of every tile
// row r at r·4·TW, filled one channel ahead of the transform that reads it.
static inline __attribute__((always_inline)) void
wino4_input(const sn_conv_geometry *g, const wino_layout *W, const float *restrict x, long q0, int R,
            float *restrict V, float *restrict D) {
    const int C = g->C;
    const long Tp = W->Tp, kst = W->Vk, dl = W->dlen;
    const long vectors = (R * (long)W->TW + 15) / 16;
    memset(D, 0, sizeof(float) * (size_t)(24 * dl));
    for (int c = -1; c < C; c++) {
        if (c + 1 < C) wino_fill_rows(g, W, x, q0, R, c + 1, D + ((c + 1) & 1) * 12 * dl, 4);
        if (c < 0) continue;
        const float *restrict Dc = D + (c & 1) * 12 * dl, *restrict Dc4 = Dc + 6 * dl;
        float *restrict v = V + (long)c * Tp;
        for (long t = 0; t < vectors * 16; t += 16) {
            v16 e[6][6];  // e[i] = row i of 16 tiles times B (Bᵀ on the row's six columns)
            for (int i = 0; i < 6; i++) {
                v16 d[6], unused2, unused3;
                SN_WINO4_SPLIT(Dc + i * dl + 4 * t, d[0], d[1], d[2], d[3]);
                SN_WINO4_SPLIT(Dc4 + i * dl + 4 * t, d[4], d[5], unused2, unused3);
                (void)unused2; (void)unused3;
                wino4_bt(d, e[i]);
            }
            for (int l = 0; l < 6; l++) {  // then Bᵀ down each column
                v16 col[6], r[6];
                for (int i = 0; i < 6; i++) col[i] = e[i][l];
                wino4_bt(col, r);
                for (int k = 0; k < 6; k++) *(v16u *)(v + (6 * k + l) * kst + t) = r[k];
            }
        }
    }
}

// out (images of the chunk, FN, OH, OW) from M: per filter, Aᵀ m A + bias
// for 16 tiles at a time into four output super rows O_a (output row a of
// each tile, its four columns interleaved, 4·TW columns per tile row), then
// each tile row's part copied out (the last tile row or column is partly
// outside when OH or OW is not a multiple of 4).
static inline __attribute__((always_inline)) void
wino4_output(const sn_conv_geometry *g, const wino_layout *W, long q0, int R, const float *restrict M,
             const float *restrict bias, float *restrict out, float *restrict O) {
    const int FN = g->FN, OH = g->OH, OW = g->OW, TH = W->TH;
    const long Tp = W->Tp, kst = W->Mk, out_image = (long)FN * OH * OW, TS = 4L * W->TW;
    const long vectors = (R * (long)W->TW + 15) / 16, orow = 4 * Tp;
    for (int f = 0; f < FN; f++) {
        const float *restrict m = M + (long)f * Tp;
        const float b = bias ? bias[f] : 0.0f;
        for (long t = 0; t < vectors * 16; t += 16) {
            v16 u[4][6];  // Aᵀ m, by column
            for (int j = 0; j < 6; j++) {
                v16 col[6], y[4];
                for (int i = 0; i < 6; i++) col[i] = *(const v16u *)(m + (6 * i + j) * kst + t);
                wino4_at(col, y);
                for (int a = 0; a < 4; a++) u[a][j] = y[a];
            }
            for (int a = 0; a < 4; a++) {  // then A along each row
                v16 y[4];
                wino4_at(u[a], y);
                // Back to tile order: tile t's columns 0…3 at 4t … 4t + 3.
                v16 o0, o1, o2, o3;
                SN_WINO4_TRANSPOSE(y[0], y[1], y[2], y[3], o0, o1, o2, o3);
                float *o = O + a * orow + 4 * t;
                *(v16u *)(o) = o0;
                *(v16u *)(o + 16) = o1;
                *(v16u *)(o + 32) = o2;
                *(v16u *)(o + 48) = o3;
            }
        }
        for (int r = 0; r < R; r++) {
            const long q = q0 + r, n = q / TH;
            const int oh = 4 * (int)(q % TH);
            float *o = out + n * out_image + ((long)f * OH + oh) * OW;
            for (int a = 0; a < 4 && oh + a < OH; a++) wino_copy_row(o + a * OW, O + a * orow + r * TS, OW, b);
        }
    }
}

// out (n, FN, OH, OW) = conv(x (n, C, H, W), U) + bias through 4×4 tiles,
// in chunks of tile rows; region holds W->region floats.
static inline __attribute__((always_inline)) void
wino4_forward_body(const sn_conv_geometry *g, const wino_layout *W, const float *restrict U,
                   const float *restrict x, int n, const float *restrict bias, float *restrict out,
                   float *restrict region, const int wide) {
    const int FN = g->FN, C = g->C;
    const long Tp = W->Tp;
    float *V = region + W->V, *M = region + W->M, *D = region + W->D, *O = region + W->O;
    const long total = (long)n * W->TH;
    for (long q0 = 0; q0 < total; q0 += W->R) {
        const int R = (int)(total - q0 < W->R ? total - q0 : W->R);
        // Every column of the last 16-tile vector: its tiles sit in
        // SN_WINO4_TRANSPOSE's order, so real ones may follow padding ones.
        const int cols = (int)round16(R * W->TW);
        wino4_input(g, W, x, q0, R, V, D);
        for (int k = 0; k < 36; k++)
            gemm_ab(FN, cols, C, U + (long)k * FN * C, C, 1, V + k * W->Vk, Tp, 0, 0, M + k * W->Mk, Tp, wide);
        wino4_output(g, W, q0, R, M, bias, out, O);
    }
}

// Where wino4_input puts tile t in its 16-tile vector: tile 4m + l at 4l + m
// (SN_WINO4_TRANSPOSE's order).
static inline long wino4_position(long t) {
    const long j = t & 15;
    return (t - j) + 4 * (j & 3) + (j >> 2);
}

// r = A y for four entries (A = (Aᵀ)ᵀ, 6 × 4): the adjoint of wino4_at.
static inline __attribute__((always_inline)) void wino4_a(const v16 y[4], v16 r[6]) {
    const v16 p = y[0] + y[2], q = y[1] + y[3];
    const v16 u = y[0] + 4.0f * y[2], v = 2.0f * y[1] + 8.0f * y[3];
    r[0] = y[0];
    r[1] = p + q;
    r[2] = p - q;
    r[3] = u + v;
    r[4] = u - v;
    r[5] = y[3];
}

// dMt[k][p][f] = (A dY Aᵀ)[k / 6][k % 6] for filter f and tile t of tile rows
// q0 … q0 + R − 1 (dout points at image 0) at position p = wino4_position(t),
// V's column of that tile; zeros for the outputs past OH, OW and at the
// positions of the last 16-tile vector that hold no tile. Y holds a tile
// row's four dout rows (wino_dout_rows).
static inline __attribute__((always_inline)) void
wino4_dout(const sn_conv_geometry *g, const wino_layout *W, const float *restrict dout, long q0, int R,
           float *restrict dMt, float *restrict Y) {
    const int TW = W->TW;
    const long FNp = W->FNp, S2 = W->S2, kst = W->dMk;
    const long tiles = (long)R * TW;
    for (long t = tiles; t < round16(tiles); t++)
        for (int k = 0; k < 36; k++) memset(dMt + k * kst + wino4_position(t) * FNp, 0, sizeof(float) * (size_t)FNp);
    memset(Y, 0, sizeof(float) * (size_t)(4 * S2 * FNp));
    for (int r = 0; r < R; r++) {
        wino_dout_rows(g, W, dout, q0 + r, 4, Y);
        for (int tw = 0; tw < TW; tw++) {
            float *restrict d = dMt + wino4_position((long)r * TW + tw) * FNp;
            for (long v = 0; v < FNp; v += 16) {
                v16 z[6][4];  // A dY, by column
                for (int b = 0; b < 4; b++) {
                    v16 col[4], t6[6];
                    for (int a = 0; a < 4; a++) col[a] = *(const v16u *)(Y + (a * S2 + 4 * tw + b) * FNp + v);
                    wino4_a(col, t6);
                    for (int i = 0; i < 6; i++) z[i][b] = t6[i];
                }
                for (int i = 0; i < 6; i++) {  // then Aᵀ along each row
                    v16 t6[6];
                    wino4_a(z[i], t6);
                    for (int j = 0; j < 6; j++) *(v16u *)(d + (6 * i + j) * kst + v) = t6[j];
                }
            }
        }
    }
}

// dU ((m + 2)², C, FNp) += the weight gradient's products for n
// consecutive images (x and dout point at the first), in the forward's
// chunks, for m×m tiles (m = W->m, 2 or 4); the sums over tiles run in V's
// column order (tile order for 2×2 tiles, wino4_position's for 4×4 ones).
static inline __attribute__((always_inline)) void
wino_wgrad_body(const sn_conv_geometry *g, const wino_layout *W, const float *restrict x,
                const float *restrict dout, int n, float *restrict dU, float *restrict region, const int wide) {
    const int FN = g->FN, C = g->C, entries = (W->m + 2) * (W->m + 2);
    const long Tp = W->Tp, FNp = W->FNp;
    float *V = region + W->V, *D = region + W->D, *dMt = region + W->dM, *Y = region + W->Y;
    const long total = (long)n * W->TH;
    for (long q0 = 0; q0 < total; q0 += W->R) {
        const int R = (int)(total - q0 < W->R ? total - q0 : W->R);
        int cols = R * W->TW;
        if (W->m == 4) {
            cols = (int)round16(cols);  // 4×4 tiles sit permuted in each vector of 16
            wino4_input(g, W, x, q0, R, V, D);
            wino4_dout(g, W, dout, q0, R, dMt, Y);
        } else {
            wino_input(g, W, x, q0, R, V, D, 0);
            wino_dout(g, W, dout, q0, R, dMt, Y);
        }
        for (int k = 0; k < entries; k++)
            gemm_ab_acc(C, FN, cols, V + k * W->Vk, Tp, 1, dMt + k * W->dMk, FNp,
                        dU + (long)k * C * FNp, FNp, wide);
    }
}

// r = Gᵀ u for six entries (G as in the header, 6 × 3).
static inline void wino4_gt(const float u[6], float r[3]) {
    const float sixth = 1.0f / 6.0f, twelfth = 1.0f / 12.0f, twentyfourth = 1.0f / 24.0f;
    const float s12 = u[1] + u[2], d12 = u[2] - u[1], s34 = u[3] + u[4], d34 = u[3] - u[4];
    r[0] = (0.25f * u[0] - s12 * sixth) + s34 * twentyfourth;
    r[1] = d12 * sixth + d34 * twelfth;
    r[2] = (s34 - s12) * sixth + u[5];
}

// dw (FN, C, 3, 3) = Gᵀ dU_fc G for the summed dU (36, C, FNp). Compiled
// once (no clones), so every instruction set rounds it the same.
static void wino4_weight_gradient(int FN, int C, long FNp, const float *restrict dU, float *restrict dw) {
    for (int f = 0; f < FN; f++)
        for (int c = 0; c < C; c++) {
            float t[3][6];  // Gᵀ dU, by column
            for (int j = 0; j < 6; j++) {
                float col[6], r[3];
                for (int i = 0; i < 6; i++) col[i] = dU[((long)(6 * i + j) * C + c) * FNp + f];
                wino4_gt(col, r);
                for (int a = 0; a < 3; a++) t[a][j] = r[a];
            }
            float *o = dw + ((long)f * C + c) * 9;
            for (int a = 0; a < 3; a++) wino4_gt(t[a], o + 3 * a);
        }
}

#endif
