/// Inference on byte images (``LabeledImages``) without a float copy of the
/// batch when the network starts with an ``Affine`` layer.
///
/// Why: converting the batch to floats and packing that copy for the first
/// matrix product is two passes over four times the memory; the first
/// product reading the bytes itself is one. Results are bit for bit those
/// of converting first (`Float(x) · scale` either way).
extension Network {
    /// Logits for `batch` samples stored as bytes at `bytes` (row after row,
    /// ``sampleShape`` values each), every byte times `scale`; inference mode.
    /// Networks not starting with an Affine get the bytes converted into
    /// ``inputBuffer`` first.
    public func forward(bytes: UnsafePointer<UInt8>, batch: Int, scale: Float) -> Tensor {
        precondition(batch > 0 && batch <= maxBatch, "Network: batch \(batch) not in 1...\(maxBatch)")
        guard let first = layers.first as? Affine else {
            kernels.convertBytes(bytes, rows: batch, sampleSize: sampleShape.count, scale: scale, into: inputBuffer.pointer)
            return inferenceForward(batch: batch)
        }
        let relu = layers.count > 1 && layers[1] is ReLU
        let h = first.forward(bytes: bytes, batch: batch, scale: scale, relu: relu)
        return inferenceForward(h, fromLayer: relu ? 2 : 1)
    }

    /// Logits for samples `start..<start+count` of `data` (inference mode);
    /// their labels go to ``labelBuffer``.
    public func inferenceLogits(on data: LabeledImages, start: Int, count: Int) -> Tensor {
        if data.isTabular {
            data.fillBatch(start: start, count: count, into: inputBuffer, labels: labelBuffer, kernels: kernels)
            return inferenceForward(batch: count)
        }
        data.fillLabels(start: start, count: count, into: labelBuffer)
        return data.withSamples(start: start, count: count) {
            forward(bytes: $0, batch: count, scale: LabeledImages.pixelScale)
        }
    }

    /// How many of samples `start..<start+count` of `data` the network
    /// classifies as their label.
    public func correctCount(on data: LabeledImages, start: Int, count: Int) -> Int {
        correctCount(logits: inferenceLogits(on: data, start: start, count: count), batch: count)
    }
}
