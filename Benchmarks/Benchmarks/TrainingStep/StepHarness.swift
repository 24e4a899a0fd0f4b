import ScratchNet

/// A network, a small synthetic data set and a shuffled order: everything a
/// training step touches, made and warmed up before measuring.
///
/// A step here is what `Trainer` does per batch: convert the next batch of
/// byte images into the arena's input buffer, then forward, backward and the
/// optimizer update. After the warm-up steps nothing may allocate.
final class StepHarness: @unchecked Sendable {
    let network: Network
    let data: LabeledImages
    let batch: Int
    private let order: UnsafeMutableBufferPointer<Int32>
    private var cursor = 0

    /// Samples in the synthetic set: enough batches that steps see different
    /// data, few enough to build in milliseconds.
    static let sampleCount = 2_000

    init(case stepCase: StepCase, backend: Backend, threads: Int = 1, warmUpSteps: Int) throws {
        let spec = stepCase.spec
        var rng = SeededGenerator(seed: 7)
        let pixelsPerSample = spec.inputShape.reduce(1, *)
        let classes = 10
        var pixels = [UInt8](repeating: 0, count: Self.sampleCount * pixelsPerSample)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: rng.next() >> 56) }
        let labels = (0..<Self.sampleCount).map { _ in UInt8(rng.nextInt(below: classes)) }
        data = LabeledImages(pixels: pixels, labels: labels, sampleShape: spec.inputShape, source: "synthetic")
        batch = stepCase.batch
        network = try Network(spec: spec, maxBatch: batch, backend: backend,
                              optimizer: stepCase.makeOptimizer(), seed: 42, threads: threads)
        order = .allocate(capacity: Self.sampleCount)
        for i in 0..<Self.sampleCount { order[i] = Int32(i) }
        rng.shuffle(order)
        for _ in 0..<warmUpSteps { _ = step() }
    }

    deinit { order.deallocate() }

    /// One training step on the next batch of the shuffled order; returns the loss.
    @inline(__always)
    func step() -> Float {
        if cursor + batch > Self.sampleCount { cursor = 0 }
        data.fillBatch(indices: UnsafeBufferPointer(rebasing: order[cursor..<cursor + batch]),
                       into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
        cursor += batch
        return network.trainStep(batch: batch)
    }
}
