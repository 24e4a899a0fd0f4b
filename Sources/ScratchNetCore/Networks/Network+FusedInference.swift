/// The inference forward pass with each Affine's bias, and the ReLU layer
/// right after it, applied in the product's epilogue.
///
/// Why: at batch 1000 a hidden layer's output (1000 × 256 floats, 1 MB) is
/// written by the product and then read and written again by the bias pass
/// and by the ReLU layer; the epilogue does both while each block of it is
/// still in cache. The logits are bit for bit those of
/// ``Network/forward(batch:training:)`` with `training: false`.
extension Network {
    /// Lets inference forwards reuse what depends on the weights alone (each
    /// 3×3 convolution's Winograd weights, see ``Conv2D/prepareForInference()``)
    /// until the next training step. Call it again after writing weights
    /// through their pointers; ``ModelFile/restore(_:from:)`` does.
    public func prepareForInference() {
        for case let conv as Conv2D in layers { conv.prepareForInference() }
    }

    /// Whether every layer that can prepare for inference has, since the
    /// weights last changed by training.
    public var isPreparedForInference: Bool {
        layers.allSatisfy { ($0 as? Conv2D)?.isPreparedForInference ?? true }
    }

    /// Logits for the first `batch` samples of ``inputBuffer``, inference mode.
    public func inferenceForward(batch: Int) -> Tensor {
        precondition(batch > 0 && batch <= maxBatch, "Network: batch \(batch) not in 1...\(maxBatch)")
        return inferenceForward(inputBuffer.leading(batch), fromLayer: 0)
    }

    /// Runs layers `fromLayer...` on `input` in inference mode, an Affine and
    /// the ReLU after it as one fused step.
    func inferenceForward(_ input: Tensor, fromLayer start: Int) -> Tensor {
        var h = input
        var index = start
        while index < layers.count {
            let layer = layers[index]
            if let affine = layer as? Affine {
                let relu = index + 1 < layers.count && layers[index + 1] is ReLU
                h = affine.forwardInference(h, relu: relu)
                index += relu ? 2 : 1
            } else {
                h = layer.forward(h, training: false)
                index += 1
            }
        }
        return h
    }
}
