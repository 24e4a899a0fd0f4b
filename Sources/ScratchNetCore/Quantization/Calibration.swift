/// The value ranges a float network's tensors take on real data: what
/// post-training quantization sizes its uint8 steps from.
public struct ActivationRanges: Equatable, Sendable {
    public var input: ClosedRange<Float>
    /// The output range of every layer, by layer index.
    public var layers: [ClosedRange<Float>]

    /// Runs `network` (inference mode) on `batches` batches of `batchSize`
    /// samples of `data`, spread evenly over the set, and records the
    /// smallest and largest value of the input and of each layer's output.
    /// - Precondition: `batchSize` <= the network's maxBatch.
    public static func measure(_ network: Network, on data: LabeledImages, batches: Int, batchSize: Int) -> ActivationRanges {
        precondition(batchSize >= 1 && batchSize <= network.maxBatch && batches >= 1, "ActivationRanges: bad batch sizes")
        var input: (Float, Float) = (.infinity, -.infinity)
        var layers = [(Float, Float)](repeating: (.infinity, -.infinity), count: network.layers.count)
        func update(_ r: inout (Float, Float), _ t: Tensor) {
            for i in 0..<t.count {
                let v = t.pointer[i]
                if v < r.0 { r.0 = v }
                if v > r.1 { r.1 = v }
            }
        }
        let size = min(batchSize, data.count)
        let spacing = batches > 1 ? max(0, data.count - size) / (batches - 1) : 0
        for b in 0..<min(batches, max(1, data.count / max(size, 1))) {
            let start = min(b * spacing, data.count - size)
            data.fillBatch(start: start, count: size, into: network.inputBuffer, labels: network.labelBuffer,
                           kernels: network.kernels)
            var h = network.inputBuffer.leading(size)
            update(&input, h)
            for (i, layer) in network.layers.enumerated() {
                h = layer.forward(h, training: false)
                update(&layers[i], h)
            }
        }
        func range(_ r: (Float, Float)) -> ClosedRange<Float> { r.0 <= r.1 ? r.0...r.1 : 0...0 }
        return ActivationRanges(input: range(input), layers: layers.map(range))
    }
}
