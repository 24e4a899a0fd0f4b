/// The numeric building blocks every layer is written in terms of.
///
/// Two implementations exist: ``FastKernels`` (C with OpenMP for the matrix
/// work and softmax, Swift SIMD for elementwise work) and ``NaiveKernels``
/// (plain loops a reader can check by hand). The naive one is the oracle the
/// tests compare against and the baseline benchmarks report speedups over;
/// `scratchnet train --backend naive` runs a whole training on it.
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

    /// probs[r,:] = softmax(logits[r,:]); may be the same buffer.
    func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Softmax of `logits` into `probs` and the batch-mean cross-entropy
    /// against class-index `labels`.
    func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                             probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float

    /// dlogits = (probs − onehot(labels)) / rows; dlogits may be probs.
    func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
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
}

/// Which implementation of ``Kernels`` a network runs on.
public enum Backend: String, CaseIterable, Sendable, Codable {
    case fast
    case naive

    public var kernels: any Kernels {
        switch self {
        case .fast: return FastKernels()
        case .naive: return NaiveKernels()
        }
    }
}
