import CKernels

// MARK: - Cross-entropy against smoothed labels (softmax_xent.c).

extension FastKernels {
    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        sn_softmax_xent_smoothed_forward(nthreads, logits, labels, probs, Int32(rows), Int32(cols), smoothing)
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_xent_smoothed_backward(nthreads, probs, labels, dlogits, Int32(rows), Int32(cols), smoothing)
    }
}
