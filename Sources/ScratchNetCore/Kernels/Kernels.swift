/// The numeric building blocks every layer is written in terms of.
///
/// Two implementations exist: ``FastKernels`` (C with OpenMP for the matrix
/// work, softmax, convolution, optimizer updates and batch gathers, Swift
/// SIMD for elementwise work) and ``NaiveKernels`` (plain Swift loops a
/// reader can check by hand, no C at all). The naive one is the oracle the
/// tests compare against and the baseline benchmarks report speedups over;
/// `scratchnet train --backend naive` runs a whole training on it, batch
/// gathers and optimizer updates included.
///
/// All pointers are caller-owned; no kernel allocates. Matrices are
/// row-major float32 with explicit row strides (`lda`, ...).
public protocol Kernels: Sendable {
    /// A short name for messages and benchmarks ("fast", "naive").
    var name: String { get }

    /// C = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ; op(A) is (m,k),
    /// op(B) is (k,n), C is (m,n). beta == 0 ignores C's old contents.
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
              alpha: Float, a: UnsafePointer<Float>, lda: Int,
              b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// C = (scale·X)·op(B) + beta·C where X is (m,k) row-major *bytes* at row
    /// stride `ldx`: a first layer reading uint8 images, at inference, without
    /// a float copy of the batch. Equal to converting X (x·scale, one
    /// rounding) and calling ``gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// with alpha 1.
    func gemmBytes(transB: Bool, m: Int, n: Int, k: Int, scale: Float,
                   x: UnsafePointer<UInt8>, ldx: Int,
                   b: UnsafePointer<Float>, ldb: Int,
                   beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// A dense layer at inference: C = A·B + bias (bias added to every row),
    /// then max(·, 0) as `v > 0 ? v : 0` when `relu`; A (m,k), B (k,n), C (m,n).
    /// Bit for bit ``gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// (alpha 1, beta 0), ``addBias(_:bias:rows:cols:)`` and ``relu(_:into:count:)``,
    /// which is the default (KernelsInferenceEpilogue.swift).
    func gemmBiasActivation(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                            c: UnsafeMutablePointer<Float>, ldc: Int)

    /// ``gemmBiasActivation(m:n:k:a:lda:b:ldb:bias:relu:c:ldc:)`` on byte
    /// input, A = scale·X as in ``gemmBytes(transB:m:n:k:scale:x:ldx:b:ldb:beta:c:ldc:)``.
    func gemmBytesBiasActivation(m: Int, n: Int, k: Int, scale: Float, x: UnsafePointer<UInt8>, ldx: Int,
                                 b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                 c: UnsafeMutablePointer<Float>, ldc: Int)

    /// probs[r,:] = softmax(logits[r,:]); may be the same buffer.
    func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Softmax of `logits` into `probs` and the batch-mean cross-entropy
    /// against class-index `labels`.
    func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                             probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float

    /// dlogits = (probs − onehot(labels)) / rows; dlogits may be probs.
    func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                     dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Softmax and the batch-mean cross-entropy against class-index labels
    /// smoothed by ε = `smoothing`: target (1 − ε)·onehot + ε/cols.
    func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                             probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float

    /// dlogits = (probs − ((1 − ε)·onehot(labels) + ε/cols)) / rows; dlogits may be probs.
    func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                                     dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// The same forward with one-hot (or any distribution) targets (rows, cols).
    func softmaxCrossEntropy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                             probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float

    /// dlogits = (probs − targets) / rows.
    func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                     dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// x[r,:] += bias for every row r of an (rows, cols) matrix.
    func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int)

    /// sums[c] = Σ_r x[r,c]: the bias gradient of a dense layer.
    func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>)

    /// y = max(0, x); y may be x.
    func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)

    /// dx = dy where y > 0, else 0 (y is the forward output); dx may be dy.
    func reluBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                      into dx: UnsafeMutablePointer<Float>, count: Int)

    /// y = 1 / (1 + e^−x); y may be x.
    func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)

    /// dx = dy·y·(1 − y) (y is the forward output); dx may be dy.
    func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                         into dx: UnsafeMutablePointer<Float>, count: Int)

    /// y += alpha·x: the SGD update (alpha = −lr) and weight decay (alpha = λ).
    func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int)

    // ---- convolution and pooling (NCHW images) ----

    /// Floats of scratch memory ``convolutionForward(_:weight:bias:into:scratch:geometry:filters:)``
    /// and ``convolutionBackward(_:weight:gradOutput:weightGradient:biasGradient:inputGradient:scratch:geometry:filters:)``
    /// need for this geometry (its batch included) and filter count.
    func convolutionScratchCount(geometry: WindowGeometry, filters: Int) -> Int

    /// out (N, FN, OH, OW) = the convolution of x (N, C, H, W) with weight
    /// (FN, C, FH, FW), plus bias (FN) on every output pixel.
    func convolutionForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                            into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                            geometry: WindowGeometry, filters: Int)

    /// Writes into `scratch` what ``convolutionInferenceForward(_:weight:bias:into:scratch:geometry:filters:)``
    /// reuses while `weight` stays as it is (the fast kernels: the Winograd
    /// transform of 3×3 weights); nothing by default (KernelsInferenceEpilogue.swift).
    func prepareConvolutionInference(weight: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                     geometry: WindowGeometry, filters: Int)

    /// ``convolutionForward(_:weight:bias:into:scratch:geometry:filters:)``
    /// with what ``prepareConvolutionInference(weight:scratch:geometry:filters:)``
    /// wrote for this weight; the plain forward by default.
    func convolutionInferenceForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                     scratch: UnsafeMutablePointer<Float>, geometry: WindowGeometry, filters: Int)

    /// The convolution's backward for gradOutput (N, FN, OH, OW): the weight
    /// gradient (FN, C, FH, FW) and bias gradient (FN) are overwritten with
    /// their batch sums; the input gradient (N, C, H, W), when not nil, is
    /// overwritten. x and weight are the forward's.
    func convolutionBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                             gradOutput: UnsafePointer<Float>,
                             weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                             geometry: WindowGeometry, filters: Int)


    /// y (N, C, OH, OW) = the maximum of each window, padding never winning;
    /// argmax gets the winner's index ih·W + iw within its (n, c) plane
    /// (the first maximum on ties). `relu: true` pools max(0, x) (NaN → 0):
    /// the ReLU before the pool, fused, the same bits as the two apart.
    func maxPoolForward(_ x: UnsafePointer<Float>, relu: Bool, into y: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>, geometry: WindowGeometry)

    /// dx (N, C, H, W) is overwritten: each dy added at its window's argmax.
    /// `reluOutput`: the forward's y when it fused the ReLU; then only the
    /// outputs > 0 pass their gradient.
    func maxPoolBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>?,
                         into dx: UnsafeMutablePointer<Float>, geometry: WindowGeometry)

    // ---- elementwise: tanh, dropout ----

    /// y = tanh(x); y may be x.
    func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)

    /// dx = dy·(1 − y²) (y is the forward output); dx may be dy.
    func tanhBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                      into dx: UnsafeMutablePointer<Float>, count: Int)

    /// y = x ⊙ m: dropout's forward and backward with a scaled 0/keep mask.
    func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
                  into y: UnsafeMutablePointer<Float>, count: Int)

    // ---- batch normalization over x viewed as (N, C, S) ----
    // Statistics are per channel c, over the N·S values of that channel:
    // S = 1 for dense (N, D) inputs (per feature), S = H·W for images.

    // `relu: true` fuses the ReLU that follows: y = max(0, ·) in both
    // forwards, and the backward zeroes dy where gamma·xhat + beta ≤ 0 first.
    // The results equal the two layers run apart, bit for bit.

    /// Training forward: batch mean and (biased) variance per channel;
    /// xhat = (x − mean)·invStd with invStd = 1/√(var + eps), y = gamma·xhat + beta;
    /// batchMean and invStd (C each) are kept for the backward, which
    /// recomputes xhat from x rather than storing a tensor of it; the running
    /// statistics become momentum·running + (1 − momentum)·batch.
    func batchNormTrainingForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                  eps: Float, momentum: Float,
                                  runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                  batchMean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                  relu: Bool, into y: UnsafeMutablePointer<Float>)

    /// Inference forward with the running statistics:
    /// y = gamma·(x − runningMean)/√(runningVariance + eps) + beta.
    func batchNormInferenceForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                   gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                   runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                   relu: Bool, into y: UnsafeMutablePointer<Float>)

    /// Backward of the training forward: dbeta = Σ dy, dgamma = Σ dy·xhat
    /// (both overwritten) and, when dx is not nil,
    /// dx = gamma·invStd·(dy − mean(dy) − xhat·mean(dy·xhat)) per channel,
    /// with xhat = (x − batchMean)·invStd from the forward's input x.
    func batchNormBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
                           batchMean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                           gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, relu: Bool,
                           batch: Int, channels: Int, spatial: Int,
                           dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                           into dx: UnsafeMutablePointer<Float>?)
    // ---- optimizer updates ----
    // One parameter's `count` values p, its gradient g and its state, all
    // contiguous; p and the state are updated in place.

    /// p ← p − lr·g.
    func sgdStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
                 learningRate lr: Float)

    /// v ← μ·v − lr·g; p ← p + v.
    func momentumStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float)

    /// v ← μ·v − lr·g; p ← p + μ²·v − (1 + μ)·lr·g.
    func nesterovStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float)

    /// h ← h + g²; p ← p − lr·g / (√h + ε).
    func adaGradStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                     sumOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, epsilon: Float)

    /// h ← ρ·h + (1 − ρ)·g²; p ← p − lr·g / (√h + ε).
    func rmspropStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                     averageOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float,
                     decay: Float, epsilon: Float)

    /// m ← m + (1 − β1)·(g − m); v ← v + (1 − β2)·(g² − v);
    /// p ← p − lrT·m / (√v + ε), with lrT the bias-corrected rate
    /// (``Adam/correctedLearningRate(_:beta1:beta2:step:)``).
    func adamStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                  firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                  count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float)

    /// AdamW: p ← p·(1 − decay) with decay = lr·λ, then the Adam update
    /// of ``adamStep(_:gradient:firstMoment:secondMoment:count:correctedLearningRate:beta1:beta2:epsilon:)``.
    func adamWStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                   firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                   count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float,
                   decay: Float)

    // ---- byte batches ----
    // Samples are `sampleSize` bytes each, stored one after another at
    // `samples`; a batch row r becomes floats byte·scale (one rounding).

    /// Row r of `batch` (rows, sampleSize) = sample `indices[r]`, × scale.
    func gatherBytes(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>, sampleSize: Int,
                     scale: Float, into batch: UnsafeMutablePointer<Float>)

    /// Row r of `batch` (rows, sampleSize) = the r-th sample at `samples`,
    /// × scale: a contiguous range of samples, or an input batch of bytes.
    func convertBytes(_ samples: UnsafePointer<UInt8>, rows: Int, sampleSize: Int,
                      scale: Float, into batch: UnsafeMutablePointer<Float>)

    /// Like ``gatherBytes(_:indices:sampleSize:scale:into:)`` for images of
    /// `channels` planes of height × width, row r moved by `transforms[r]`
    /// on the way (see ``ImageTransform``).
    func gatherBytesAugmented(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>,
                              transforms: UnsafePointer<ImageTransform>,
                              channels: Int, height: Int, width: Int,
                              scale: Float, into batch: UnsafeMutablePointer<Float>)
}

/// Which implementation of ``Kernels`` a network runs on.
public enum Backend: String, CaseIterable, Sendable, Codable {
    case fast
    case naive

    /// Kernels with their own thread count of 1.
    public var kernels: any Kernels { kernels(sharing: ThreadCount(1)) }

    /// Kernels that follow `threads` (a network's count).
    func kernels(sharing threads: ThreadCount) -> any Kernels {
        switch self {
        case .fast: return FastKernels(sharing: threads)
        case .naive: return NaiveKernels()
        }
    }
}
