/*
 * ckernels.h — ScratchNet's C kernels.
 *
 * The hot loops of training live here: matrix multiply (sn_sgemm), the
 * row-wise softmax, and the fused softmax + cross-entropy forward and
 * backward, convolution, pooling, the SGD/Momentum/Adam updates and the
 * byte-to-float batch gathers. The remaining small elementwise ops (bias
 * add, activations) are Swift SIMD code in Sources/ScratchNet/Kernels.
 * Swift reaches all of this through one type, FastKernels.
 *
 * Conventions, shared by every function below:
 *  - Plain C11. Every symbol carries the `sn_` prefix.
 *  - Row-major float32 matrices. `ld*` is the distance, in floats, between
 *    the starts of two consecutive rows of the matrix *as stored*.
 *  - No kernel allocates: the caller owns every buffer, scratch included.
 *    (That is what lets the Swift arena promise zero heap allocations per
 *    training step.)
 *  - A kernel with a parallel region takes `int nthreads` first: the most
 *    threads it may use (its caller owns the count; there is no global).
 *    Kernels are parallel with OpenMP when the library is built with the
 *    OpenMP trait; below a grain size they run on the calling thread only,
 *    because waking threads costs more than small loops take. Results
 *    never depend on nthreads.
 *  - Inner loops are compiled for AVX-512, AVX2+FMA and a generic x86-64
 *    target; the CPU picks at load time (target_clones), so one binary runs
 *    everywhere.
 *
 * Example (C = A·Bᵀ for A (M,K) and B (N,K)):
 *     sn_sgemm(nthreads, 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
 */
#ifndef SCRATCHNET_CKERNELS_H
#define SCRATCHNET_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- threads ----------------------------------------------------------- */

/// 1 when the library was compiled with OpenMP, else 0.
int sn_has_openmp(void);

/* ---- matrix multiply ----------------------------------------------------- */

/// C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ (trans_x != 0).
/// op(A) is (M,K), op(B) is (K,N), C is (M,N). A is stored (M,K) with row
/// stride lda when not transposed, (K,M) otherwise; likewise B.
/// beta == 0 ignores C's old contents (NaNs in it do not propagate).
/// Uses up to `nthreads` threads (products under ~2 MFLOP run on the calling
/// thread); the result is bit-identical for any thread count. Cache-blocked
/// and packed into fixed-size static buffers (CSources/CKernels/gemm): no heap.
/// Each element is summed with fused multiply-adds in k order within K blocks
/// of at most 512 (equal lengths), the blocks added in order.
void sn_sgemm(int nthreads, int trans_a, int trans_b, int M, int N, int K,
              float alpha, const float *A, int lda,
              const float *B, int ldb,
              float beta, float *C, int ldc);

/// C (M,N) = (scale·X)·op(B) + beta·C, where X is (M,K) row-major *bytes* at
/// stride ldx: a first layer reading uint8 images at inference, packed
/// straight from the bytes instead of from a float copy of the batch. Equal
/// bit for bit to converting X with sn_gather_bytes_to_float (x·scale) and
/// calling sn_sgemm(nthreads, 0, trans_b, ..., alpha 1, ...).
void sn_sgemm_bytes(int nthreads, int trans_b, int M, int N, int K, float scale, const uint8_t *X, int ldx,
                    const float *B, int ldb, float beta, float *C, int ldc);

/// The micro-kernels sn_sgemm can run. AUTO is the fastest the CPU has
/// (AVX-512, else AVX2+FMA, else generic); the others force one, for tests.
/// AVX2 and AVX-512 sum with FMAs and give the same bits; generic uses FMAs
/// on x86-64-v3 CPUs, separate multiply and add below that.
typedef enum {
    SN_GEMM_KERNEL_AUTO = 0,
    SN_GEMM_KERNEL_GENERIC = 1,  /* 6x16 tile, vector extensions, any CPU */
    SN_GEMM_KERNEL_AVX2 = 2,     /* 6x16 tile, AVX2+FMA intrinsics */
    SN_GEMM_KERNEL_AVX512 = 3,   /* 12x32 tile, AVX-512 (x86-64-v4) */
} sn_gemm_kernel;

/// 1 when this CPU (and build) can run `kernel`, else 0.
int sn_gemm_kernel_supported(sn_gemm_kernel kernel);

/* ---- the widest instruction set automatic choices use (isa_limit.c) ----- */

enum { SN_ISA_LEVEL_GENERIC = 1, SN_ISA_LEVEL_AVX2 = 2, SN_ISA_LEVEL_AVX512 = 3 };

/// The level AUTO kernel choices (matrix products, convolutions, int8) stay
/// at or below: SCRATCHNET_ISA (generic, avx2, avx512) read once, AVX512
/// when unset or unknown. Timing a run on an AVX-512 CPU as an AVX2 CPU
/// would run it: SCRATCHNET_ISA=avx2.
int sn_isa_limit(void);

/// The kernel AUTO runs for products and convolutions: the widest the CPU
/// has within sn_isa_limit().
sn_gemm_kernel sn_gemm_kernel_automatic(void);

/// The level `name` stands for (an SCRATCHNET_ISA value; NULL or "" is
/// AVX512, no limit), or -1 when it names none: for callers that refuse
/// a misspelt value instead of ignoring it.
int sn_isa_level_named(const char *name);

/// sn_sgemm on the given micro-kernel. Returns 0, or -1 (and computes
/// nothing) when the kernel is not supported here.
int sn_sgemm_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_a, int trans_b, int M, int N, int K,
                         float alpha, const float *A, int lda,
                         const float *B, int ldb,
                         float beta, float *C, int ldc);

/// sn_sgemm_bytes on the given micro-kernel; returns as sn_sgemm_with_kernel.
int sn_sgemm_bytes_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_b, int M, int N, int K,
                               float scale, const uint8_t *X, int ldx,
                               const float *B, int ldb, float beta, float *C, int ldc);

/// Inference form of a dense layer: C = op(A)·op(B) + bias (bias[j] added to
/// column j, bias has N floats), then, when relu != 0, the ReLU (v > 0 ? v : 0).
/// Each block of C gets the bias and ReLU right after its last K block, while
/// it is in cache, instead of in two more passes over C. Bit for bit sn_sgemm
/// (alpha 1, beta 0), then the bias added row by row, then the ReLU.
void sn_sgemm_bias_act(int nthreads, int trans_a, int trans_b, int M, int N, int K,
                       const float *A, int lda, const float *B, int ldb,
                       const float *bias, int relu, float *C, int ldc);

/// sn_sgemm_bias_act on byte input: A = scale·X, as in sn_sgemm_bytes.
void sn_sgemm_bytes_bias_act(int nthreads, int trans_b, int M, int N, int K, float scale,
                             const uint8_t *X, int ldx, const float *B, int ldb,
                             const float *bias, int relu, float *C, int ldc);

/// sn_sgemm_bias_act and sn_sgemm_bytes_bias_act on the given micro-kernel;
/// return as sn_sgemm_with_kernel.
int sn_sgemm_bias_act_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_a, int trans_b, int M, int N, int K,
                                  const float *A, int lda, const float *B, int ldb,
                                  const float *bias, int relu, float *C, int ldc);
int sn_sgemm_bytes_bias_act_with_kernel(sn_gemm_kernel kernel, int nthreads, int trans_b, int M, int N, int K,
                                        float scale, const uint8_t *X, int ldx, const float *B, int ldb,
                                        const float *bias, int relu, float *C, int ldc);

/* ---- softmax and cross-entropy ----------------------------------------- */

/// probs[b,:] = softmax(logits[b,:]) over C classes, max-subtracted.
/// logits and probs are (B, C); they may be the same buffer.
void sn_softmax_forward(int nthreads, const float *logits, float *probs, int B, int C);

/// Fused softmax + cross-entropy on class-index labels.
/// logits (B,C); labels (B) with values in [0,C); probs (B,C) receives the
/// softmax. Returns the mean over the batch of -log softmax(logits)[label],
/// computed as logsumexp - logit (stable; no +1e-7 needed).
float sn_softmax_xent_forward(int nthreads, const float *logits, const int32_t *labels,
                              float *probs, int B, int C);

/// Backward of the mean cross-entropy above: dlogits = (probs - onehot) / B.
/// Overwrites dlogits (B,C); it may alias probs.
void sn_softmax_xent_backward(int nthreads, const float *probs, const int32_t *labels,
                              float *dlogits, int B, int C);

/// The same forward with one-hot (or any probability-vector) targets (B,C):
/// mean over the batch of -Σ_c targets[b,c]·log softmax(logits)[b,c].
float sn_softmax_xent_forward_onehot(int nthreads, const float *logits, const float *targets,
                                     float *probs, int B, int C);

/// Backward for one-hot targets: dlogits = (probs - targets) / B.
void sn_softmax_xent_backward_onehot(int nthreads, const float *probs, const float *targets,
                                     float *dlogits, int B, int C);

/// Label smoothing ε on class-index labels: the target of row b is
/// (1 − ε)·onehot(labels[b]) + ε/C. Returns the batch-mean of
/// lse(z) − (1 − ε)·z[label] − (ε/C)·Σ_c z[c]; ε = 0 is sn_softmax_xent_forward.
float sn_softmax_xent_smoothed_forward(int nthreads, const float *logits, const int32_t *labels,
                                       float *probs, int B, int C, float smoothing);
/// dlogits = (probs − smoothed target) / B; dlogits may alias probs.
void sn_softmax_xent_smoothed_backward(int nthreads, const float *probs, const int32_t *labels,
                                       float *dlogits, int B, int C, float smoothing);

/* ---- optimizer updates (optim.c) ------------------------------------------ */
/* One parameter's n values p, gradient g and state, all contiguous. Above a
 * grain size the range is split over at most nthreads threads; every
 * element gets separately rounded operations (no fused multiply-add), so
 * results do not depend on the thread count. */

/// p += (-lr)·g.
void sn_sgd_step(int nthreads, float *p, const float *g, long n, float lr);
/// v = v·momentum + (-lr)·g; p += v.
void sn_momentum_step(int nthreads, float *p, const float *g, float *v, long n, float lr, float momentum);
/// Adam with the bias correction folded into lr_t:
/// m += (1-β1)(g-m); v += (1-β2)(g²-v); p += (-lr_t)·(m / (√v + eps)).
void sn_adam_step(int nthreads, float *p, const float *g, float *m, float *v, long n,
                  float lr_t, float beta1, float beta2, float eps);
/// AdamW: p = p·(1 − decay) first (decay = lr·λ, decoupled from the
/// gradient), then the Adam update above on m, v and p.
void sn_adamw_step(int nthreads, float *p, const float *g, float *m, float *v, long n,
                   float lr_t, float beta1, float beta2, float eps, float decay);

/* ---- convolution (conv.c) ------------------------------------------------ */
/* Images are NCHW. OH = (H + 2·pad − FH)/stride + 1 (floor), likewise OW;
 * the caller computes them. */

/// The sizes of one convolution: x (N, C, H, W), weights (FN, C, FH, FW),
/// output (N, FN, OH, OW).
typedef struct {
    int N, C, H, W;
    int FN, FH, FW;
    int stride, pad;
    int OH, OW;
} sn_conv_geometry;

/// Floats of scratch sn_conv_forward and sn_conv_backward need for g (it
/// grows with g.N up to a fixed number of image blocks, not with threads).
size_t sn_conv_scratch_floats(sn_conv_geometry g);

/// out (N, FN, OH, OW) = conv(x, w) + bias, computed image by image (stride
/// 1: a product that reads the zero-padded image at row offsets; other
/// strides: per-image im2col in scratch, then a register-blocked product). scratch
/// holds sn_conv_scratch_floats(g) floats (64-byte alignment is fastest).
/// 3×3 stride-1 layers wide enough run Winograd F(4×4, 3×3) or F(2×2, 3×3) instead
/// (see sn_conv_algorithm and sn_conv_uses_winograd).
void sn_conv_forward(int nthreads, const float *x, const float *w, const float *bias, float *out,
                     float *scratch, sn_conv_geometry g);

/// Backward of sn_conv_forward for dout (N, FN, OH, OW): dw (FN, C, FH, FW)
/// and db (FN) are OVERWRITTEN with the batch sums; dx (N, C, H, W) is
/// overwritten unless it is NULL (a first layer needs no input gradient).
/// Bit-identical for any thread count. With stride 1, square kernels and
/// pad ≤ FH − 1, dx is computed as the forward of the transposed convolution
/// (dout padded by FH − 1 − pad, weights flipped with C and FN swapped);
/// where that runs Winograd, so does the weight gradient.
void sn_conv_backward(int nthreads, const float *x, const float *w, const float *dout,
                      float *dw, float *db, float *dx, float *scratch, sn_conv_geometry g);

/// sn_conv_forward on the given instruction set (GENERIC: portable vectors,
/// AVX2, AVX512; AUTO: the widest the CPU runs), for tests. Returns 0, or -1
/// (and computes nothing) when the CPU cannot run it.
int sn_conv_forward_with_kernel(sn_gemm_kernel kernel, int nthreads, const float *x, const float *w,
                                const float *bias, float *out, float *scratch, sn_conv_geometry g);

/// sn_conv_backward on the given instruction set; returns as sn_conv_forward_with_kernel.
int sn_conv_backward_with_kernel(sn_gemm_kernel kernel, int nthreads, const float *x, const float *w,
                                 const float *dout, float *dw, float *db, float *dx, float *scratch,
                                 sn_conv_geometry g);

/// Which algorithm a convolution runs (tests force each; AUTO is what
/// sn_conv_forward and sn_conv_backward pick per layer).
typedef enum {
    SN_CONV_ALGORITHM_AUTO = 0,
    /// The shifted product (stride 1) or im2col (other strides).
    SN_CONV_ALGORITHM_DIRECT = 1,
    /// Winograd F(2×2, 3×3): 3×3 stride-1 layers only (the input gradient
    /// also needs pad ≤ 2, being the transposed convolution's forward).
    SN_CONV_ALGORITHM_WINOGRAD = 2,
    /// Winograd F(4×4, 3×3) for the forward and the input gradient, on the
    /// same layers; the weight gradient as for SN_CONV_ALGORITHM_WINOGRAD.
    SN_CONV_ALGORITHM_WINOGRAD_4X4 = 3,
} sn_conv_algorithm;

/// sn_conv_forward_with_kernel with the algorithm forced; -1 (nothing
/// computed) also when WINOGRAD is asked for a layer it cannot run.
int sn_conv_forward_with_algorithm(sn_gemm_kernel kernel, sn_conv_algorithm algorithm, int nthreads,
                                   const float *x, const float *w, const float *bias, float *out,
                                   float *scratch, sn_conv_geometry g);

/// sn_conv_backward_with_kernel with the input gradient's algorithm forced;
/// the weight gradient runs Winograd where dx does (or, dx NULL, where the
/// algorithm allows it), else the direct product. Returns as above.
int sn_conv_backward_with_algorithm(sn_gemm_kernel kernel, sn_conv_algorithm algorithm, int nthreads,
                                    const float *x, const float *w, const float *dout, float *dw, float *db,
                                    float *dx, float *scratch, sn_conv_geometry g);

/// Makes scratch hold what sn_conv_inference_forward reuses while w stays as
/// it is: the Winograd transform of w for the layers where an inference
/// forward runs it at any batch (3×3 stride-1, at least 16 channels and 16
/// filters). Returns the tile side prepared (2 or 4), or 0 (nothing to
/// prepare). Any g.N up to the scratch's: the prepared part does not depend on it.
int sn_conv_prepare_inference(int nthreads, const float *w, float *scratch, sn_conv_geometry g);

/// sn_conv_forward for inference, with the weights sn_conv_prepare_inference
/// transformed into scratch (for this w: prepare again after w changes;
/// sn_conv_forward and sn_conv_backward leave them as they are). Batches of a size
/// where the training forward runs another tile side transform as it does.
/// Returns as sn_conv_forward_with_kernel.
int sn_conv_inference_forward(sn_gemm_kernel kernel, int nthreads, const float *x, const float *w,
                              const float *bias, float *out, float *scratch, sn_conv_geometry g);

/// The Winograd tile side sn_conv_inference_forward runs for g (its batch
/// g.N included): 2 or 4, or 0 for the direct product.
int sn_conv_inference_tile(sn_conv_geometry g);

/// The Winograd tile side AUTO runs for g's forward (input_gradient 0) or
/// for its input gradient (input_gradient 1): 2 or 4, or 0 for the direct
/// product. (The weight gradient runs 2×2 tiles wherever the forward runs Winograd.)
int sn_conv_uses_winograd(sn_conv_geometry g, int input_gradient);

/* ---- max pooling (pool.c) ------------------------------------------------ */

/// y (N, C, OH, OW) = max over each PH×PW window (padding never wins);
/// argmax records the winner's index ih·W + iw inside its (n, c) plane.
/// Needs pad <= PH/2 and pad <= PW/2 so every window holds a real input.
/// relu ≠ 0 pools max(0, x) instead: a ReLU before the pool, fused.
void sn_maxpool_forward(int nthreads, const float *x, float *y, int32_t *argmax,
                        int N, int C, int H, int W, int PH, int PW,
                        int stride, int pad, int OH, int OW, int relu);

/// dx (N, C, H, W) is overwritten: dy routed to the argmax of each output
/// (summed where windows overlap), zero elsewhere. relu_y: the forward's y
/// when it fused the ReLU (only outputs > 0 pass their gradient), else NULL.
void sn_maxpool_backward(int nthreads, const float *dy, const int32_t *argmax, const float *relu_y, float *dx,
                         int N, int C, int H, int W, int OH, int OW);

/* ---- ReLU (relu.c) -------------------------------------------------------- */

/// y = x > 0 ? x : 0 over n floats (y may be x). NaN gives 0.
void sn_relu_forward(int nthreads, const float *x, float *y, long n);

/// dx = y > 0 ? dy : 0 over n floats, y being the forward's output (dx may be dy).
void sn_relu_backward(int nthreads, const float *dy, const float *y, float *dx, long n);

/* ---- batch normalization (batchnorm.c) --------------------------------- */
// x is (N, C, S): channel c holds x[n, c, s] for every n and s (S = 1 for
// dense inputs, H·W for images). Parameters and statistics are (C).

// relu ≠ 0 applies a ReLU after the normalization (both forwards) and its
// mask before the backward: the two layers in one pass each way.

/// Training forward: batch mean and biased variance per channel;
/// xhat = (x − mean)·inv_std with inv_std = 1/√(var + eps), y = gamma·xhat + beta;
/// running ← momentum·running + (1 − momentum)·batch. batch_mean and inv_std
/// (C each) are kept for the backward, which recomputes xhat from x.
void sn_batchnorm_training_forward(int nthreads, const float *x, int N, int C, int S,
                                   const float *gamma, const float *beta, float eps, float momentum,
                                   float *running_mean, float *running_var,
                                   float *batch_mean, float *inv_std, float *y, int relu);

/// Inference forward: y = gamma·(x − running_mean)/√(running_var + eps) + beta.
void sn_batchnorm_inference_forward(int nthreads, const float *x, int N, int C, int S,
                                    const float *gamma, const float *beta, float eps,
                                    const float *running_mean, const float *running_var, float *y, int relu);

/// Backward: dbeta = Σ dy, dgamma = Σ dy·xhat (overwritten) and, when dx is
/// not NULL, dx = gamma·inv_std·(dy − mean(dy) − xhat·mean(dy·xhat)), xhat
/// recomputed from the forward's x, batch_mean and inv_std; with relu, dy is
/// first zeroed where gamma·xhat + beta ≤ 0 (beta is read only then).
void sn_batchnorm_backward(int nthreads, const float *dy, const float *x, const float *batch_mean,
                           const float *inv_std, const float *gamma, const float *beta, int relu, int N, int C, int S,
                           float *dgamma, float *dbeta, float *dx);

/* ---- batch conversion (batch_convert.c) -------------------------------- */

/// dst (rows, n) = bytes of sample indices[r] (each n bytes in src) × scale,
/// prefetching a few samples ahead (shuffled batches miss the cache on every
/// sample). indices NULL: samples first, first+1, ... instead.
void sn_gather_bytes_to_float(int nthreads, const uint8_t *src, const int32_t *indices,
                              int first, int rows, int n, float scale, float *dst);

/* ---- OpenMP runtime (openmp_runtime.c) ----------------------------------- */

/// How long (ms) idle OpenMP workers spin before sleeping, for parallel
/// regions started by the calling thread (libomp's kmp_set_blocktime; its
/// default is 200 ms). No-op without OpenMP.
void sn_set_spin_time_ms(int ms);

/* ---- data augmentation (augment.c) ---------------------------------------- */

/// One sample's augmentation: flip (non-zero: mirror left-right), then shift
/// by (dx, dy) pixels; pixels shifted in from outside the image are 0.
typedef struct {
    int32_t flip;
    int32_t dx;
    int32_t dy;
} sn_image_transform;

/// dst (rows, channels·height·width) = sample indices[r] of src (bytes,
/// channel planes of height × width) × scale, transformed by transforms[r].
void sn_gather_bytes_augmented(int nthreads, const uint8_t *src, const int32_t *indices,
                               int rows, int channels, int height, int width, float scale,
                               const sn_image_transform *transforms, float *dst);

/* ---- int8 inference (int8/) ----------------------------------------------- */
/* Quantized inference: activations are uint8 with a per-tensor scale s and
 * zero point z (x ≈ s·(q − z)), weights int8 in [-127, 127] with one scale
 * per output channel. A product sums u8 × s8 exactly in int32, then one
 * output stage per element turns the sum into the next layer's u8 or into
 * float (see sn_qgemm_output). Integer sums are exact, so every ISA path
 * gives the same bits as the plain C one and the Swift reference. */

/// The int8 matrix-multiply paths. AUTO: AVX-512 VNNI (vpdpbusd), else AVX2,
/// else generic C. AVX2 runs vpmaddubsw (u8 × s8 pairs summed into int16)
/// when the packed weights' pairs cannot saturate it (see
/// sn_qgemm_packed_pairs_fit_int16: the quantizer's weights in [-64, 64]
/// always can't), else widens both to int16 for vpmaddwd (exact for any
/// int8 weights, half the rate); AVX2_WIDENING forces the latter. The
/// others force one path, for tests.
typedef enum {
    SN_QGEMM_KERNEL_AUTO = 0,
    SN_QGEMM_KERNEL_GENERIC = 1,
    SN_QGEMM_KERNEL_AVX2 = 2,
    SN_QGEMM_KERNEL_AVX512_VNNI = 3,
    SN_QGEMM_KERNEL_AVX2_WIDENING = 4,
} sn_qgemm_kernel;

/// 1 when this CPU (and build) can run `kernel`, else 0.
int sn_qgemm_kernel_supported(sn_qgemm_kernel kernel);

/// The output stage of an int8 product, per element (i, j):
///   acc = Σ_k a[i,k]·w[j,k] + bias[j]              (int32, exact)
///   v   = (float)acc · scale[j]                     (one rounding)
///   out_u8 != 0: out_q[i·rs + j·cs] = clamp(rint(v) + zero_point, lo, 255)
///                (rint rounds half to even; lo = zero_point fuses a ReLU)
///   out_u8 == 0: out_f[i·rs + j·cs] = relu ? max(v, 0) : v
/// pool4 != 0: M is a multiple of 4 and output row i is the max of the sums
/// of product rows 4i .. 4i+3 (before the stage: with positive scales the
/// stage never decreases, so it equals the max of the four staged values).
typedef struct {
    const int32_t *bias;   /* (N) */
    const float *scale;    /* (N), positive */
    int32_t out_u8, relu, zero_point, lo;
    int32_t pool4;
    uint8_t *out_q;
    float *out_f;
    long rs, cs;
} sn_qgemm_output;

/// Bytes sn_qgemm_pack_weights writes for N output channels of K inputs.
size_t sn_qgemm_packed_bytes(int N, int K);

/// Packs w (N, K) int8 row-major at row stride ldw into the layout every
/// path reads: a 64-byte header, then panels of 16 channels, in each groups
/// of 4 k, 64 bytes per group (channel-major within the group),
/// zero-padded. Done once at load.
void sn_qgemm_pack_weights(int N, int K, const int8_t *w, int ldw, int8_t *packed);

/// 1 when every pair of packed weights (k = 2t, 2t+1 of one channel) has
/// |w| + |w'| <= 128, so 255·(|w| + |w'|) fits vpmaddubsw's int16 sums.
int sn_qgemm_packed_pairs_fit_int16(const int8_t *packed);

/// out = stage(A·Wᵀ) for A (M, K) uint8 at row stride lda and W (N, K)
/// packed by sn_qgemm_pack_weights. K at most 32768 and |bias| at most
/// 2^30 (int32 sums cannot overflow). Rows or panels are split over up to nthreads threads when
/// the product is large enough; the result never depends on nthreads.
void sn_qgemm(int nthreads, int M, int N, int K, const uint8_t *A, int lda,
              const int8_t *packed, const sn_qgemm_output *out);

/// sn_qgemm on the given path. Returns 0, or -1 (and computes nothing) when
/// the path does not run here.
int sn_qgemm_with_kernel(sn_qgemm_kernel kernel, int nthreads, int M, int N, int K,
                         const uint8_t *A, int lda, const int8_t *packed, const sn_qgemm_output *out);

/// Bytes of scratch sn_qconv_forward needs for g and nthreads threads.
size_t sn_qconv_scratch_bytes(sn_conv_geometry g, int nthreads);

/// Quantized convolution, NCHW: x (N, C, H, W) uint8 whose padding value is
/// x_zero_point; w packed from (FN, C·FH·FW). Per image: im2col into
/// scratch, then the int8 product, whose output stage writes image n's
/// (FN, OH, OW) plane at out's pointers + n·FN·OH·OW with rs 1, cs OH·OW
/// (out->rs and out->cs are ignored). Images are split over threads.
int sn_qconv_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                     const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                     sn_conv_geometry g);

/// Quantized convolution, channels last: x (N, H, W, C) uint8 whose padding
/// value is x_zero_point; w packed from (FN, FH·FW·C) rows (each filter's
/// window in (fh, fw, c) order). The output stage writes (N, OH, OW, FN)
/// rows at out's pointers (out->rs and out->cs are ignored). scratch:
/// sn_qconv_scratch_bytes(g, nthreads) bytes. Images are split over threads.
int sn_qconv_nhwc_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                          const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                          sn_conv_geometry g);

/// sn_qconv_nhwc_forward followed by 2×2 max pooling with stride 2 and no
/// padding, in one pass: im2col rows come in fours, one pooling window
/// each, and the product keeps each four's max (pool4). out's rows are
/// (N, OH/2, OW/2, FN), OH and OW rounded down as the pooling's windows
/// are (an odd last row or column is not computed). scratch:
/// sn_qconv_scratch_bytes(g, nthreads) bytes.
int sn_qconv_nhwc_pool2_forward(sn_qgemm_kernel kernel, int nthreads, const uint8_t *x, int x_zero_point,
                                const int8_t *packed, const sn_qgemm_output *out, uint8_t *scratch,
                                sn_conv_geometry g);

/// Max pooling on uint8 channels-last images: x (N, H, W, C) → y (N, OH,
/// OW, C), the windows of sn_maxpool_u8_forward. Needs pad <= PH/2 and PW/2.
void sn_maxpool_u8_nhwc_forward(int nthreads, const uint8_t *x, uint8_t *y, int N, int C, int H, int W,
                                int PH, int PW, int stride, int pad, int OH, int OW);

/// y = clamp(rint(x·inv_scale) + zero_point, 0, 255) for n floats (NaN → 0).
void sn_quantize_u8(int nthreads, const float *x, uint8_t *y, long n, float inv_scale, int zero_point);

/// y[i] = table[x[i]] for n bytes: any elementwise function of a u8 tensor
/// (sigmoid, tanh, a ReLU that cannot be fused) as a 256-entry table.
void sn_lookup_u8(int nthreads, const uint8_t *x, uint8_t *y, long n, const uint8_t *table);

/// Max pooling on uint8 (NCHW), the same windows as sn_maxpool_forward;
/// exact, since quantization keeps order. Needs pad <= PH/2 and PW/2.
void sn_maxpool_u8_forward(int nthreads, const uint8_t *x, uint8_t *y, int N, int C, int H, int W,
                           int PH, int PW, int stride, int pad, int OH, int OW);

#ifdef __cplusplus
}
#endif
#endif /* SCRATCHNET_CKERNELS_H */
