/// One pass over a batch whose rows belong to several shards (see
/// ``GradientSegments``): ``ShardedTrainer``'s in-turn steps.
extension Network {
    /// Forward on the first `ends.last` samples of the buffers, then each
    /// segment's mean loss (weight decay included, as ``loss(batch:training:)``
    /// adds it) into `losses`.
    public func loss(segmentEnds ends: UnsafeBufferPointer<Int>, into losses: UnsafeMutablePointer<Float>) {
        precondition(!ends.isEmpty, "Network: no segments")
        let logits = forward(batch: ends[ends.count - 1], training: true)
        head.forward(logits, labels: UnsafePointer(labelBuffer.baseAddress!), segmentEnds: ends, losses: losses)
        let decay = weightDecayLoss()
        for s in ends.indices { losses[s] += decay }
    }

    /// Backward after ``loss(segmentEnds:into:)``: each segment's parameter
    /// gradients (weight decay included) in its own region.
    public func backward(segments: GradientSegments) {
        precondition(splitsGradientsBySegment, "Network: a layer here cannot split its gradients by segment")
        var g = head.backward(segmentEnds: segments.ends)
        var i = layers.count - 1
        while i >= 0 {
            if let layer = segmentedLayers[i] { g = layer.backward(g, segments: segments) } else { g = layers[i].backward(g) }
            i -= 1
        }
        let lambda = spec.weightDecay
        guard lambda > 0 else { return }
        for s in 0..<segments.count {
            for p in parameters where p.decays {
                kernels.axpy(alpha: lambda, p.value.pointer, segments.destination(of: p.gradient.pointer, segment: s),
                             count: p.value.count)
            }
        }
    }
}
