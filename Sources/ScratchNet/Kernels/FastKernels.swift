import CKernels

/// The production kernels: matrix multiply and softmax/cross-entropy in C
/// (blocked, vectorized, OpenMP-parallel), elementwise ops in Swift SIMD.
public struct FastKernels: Kernels {
    public init() {}
    public var name: String { "fast" }

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sn_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                 alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_forward(logits, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        sn_softmax_xent_forward(logits, labels, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_xent_backward(probs, labels, dlogits, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        sn_softmax_xent_forward_onehot(logits, targets, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_xent_backward_onehot(probs, targets, dlogits, Int32(rows), Int32(cols))
    }

    public func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        SIMDElementwise.addBias(x, bias: bias, rows: rows, cols: cols)
    }

    public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        SIMDElementwise.columnSums(x, rows: rows, cols: cols, into: sums)
    }

    public func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.relu(x, into: y, count: count)
    }

    public func reluBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.reluBackward(dy, output: y, into: dx, count: count)
    }

    public func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.sigmoid(x, into: y, count: count)
    }

    public func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.sigmoidBackward(dy, output: y, into: dx, count: count)
    }

    public func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.axpy(alpha: alpha, x, y, count: count)
    }
}
