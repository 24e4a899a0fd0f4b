import Testing
import ScratchNet
import ScratchNetTestSupport

/// One pass over a batch split into segments must give each segment the
/// gradients and loss of a pass over its rows alone, bit for bit: that is
/// what lets a sharded step run in turn as one pass without changing weights.
@Suite("Gradient segments: one pass equals a pass per shard")
struct GradientSegmentsTests {
    static let spec = NetworkSpec(inputShape: [1, 6, 6],
                                  layers: [.flatten, .affine(outputs: 19), .sigmoid, .affine(outputs: 13), .tanh,
                                           .affine(outputs: 11), .relu, .affine(outputs: 5)],
                                  weightDecay: 0.03)

    @Test(arguments: [[33], [7, 26], [1, 17, 15], [12, 12, 8, 1]])
    func onePassGivesEachSegmentItsOwnPassBitForBit(sizes: [Int]) throws {
        let batch = sizes.reduce(0, +)
        let whole = try Network(spec: Self.spec, maxBatch: batch, optimizer: SGD(learningRate: 0.1), seed: 3)
        let alone = try Network(spec: Self.spec, maxBatch: batch, optimizer: SGD(learningRate: 0.1), seed: 3)
        #expect(whole.splitsGradientsBySegment)
        var rng = SeededGenerator(seed: 17)
        let pixels = 36
        let inputs = (0..<batch * pixels).map { _ in Float(rng.nextUniform()) }
        let labels = (0..<batch).map { _ in Int32(rng.nextUniform() * 5) }
        for i in inputs.indices { whole.inputBuffer.pointer[i] = inputs[i] }
        for i in labels.indices { whole.labelBuffer[i] = labels[i] }

        // Regions: the network's own for segment 0, scratch of the same size for the others.
        let regionSize = whole.gradientRegion.count
        let scratch = (1..<sizes.count).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: regionSize) }
        defer { scratch.forEach { $0.deallocate() } }
        let regions = UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>.allocate(capacity: sizes.count)
        let ends = UnsafeMutableBufferPointer<Int>.allocate(capacity: sizes.count)
        let losses = UnsafeMutablePointer<Float>.allocate(capacity: sizes.count)
        defer { regions.deallocate(); ends.deallocate(); losses.deallocate() }
        regions[0] = whole.gradientRegion.baseAddress!
        for s in 1..<sizes.count { regions[s] = scratch[s - 1] }
        var end = 0
        for (s, size) in sizes.enumerated() { end += size; ends[s] = end }
        let segments = GradientSegments(ends: UnsafeBufferPointer(ends), regions: UnsafeBufferPointer(regions))
        whole.loss(segmentEnds: segments.ends, into: losses)
        whole.backward(segments: segments)

        for (s, size) in sizes.enumerated() {
            let rows = segments.rows(s)
            for i in 0..<(size * pixels) { alone.inputBuffer.pointer[i] = inputs[rows.lowerBound * pixels + i] }
            for i in 0..<size { alone.labelBuffer[i] = labels[rows.lowerBound + i] }
            let loss = alone.loss(batch: size, training: true)
            alone.backward()
            #expect(loss.bitPattern == losses[s].bitPattern, "segment \(s) of \(sizes): loss \(losses[s]) against \(loss)")
            var differing = 0, compared = 0
            for p in whole.parameters {
                let offset = p.gradient.pointer - whole.gradientRegion.baseAddress!
                for i in offset..<(offset + p.gradient.count) where alone.gradientRegion[i].bitPattern != regions[s][i].bitPattern {
                    differing += 1
                }
                compared += p.gradient.count
            }
            #expect(differing == 0, "segment \(s) of \(sizes): \(differing) of \(compared) gradient elements differ")
        }
    }

    @Test func networksWithBatchStatisticsOrRandomnessDoNotSplit() throws {
        for layers: [LayerSpec] in [[.flatten, .affine(outputs: 8), .batchNorm, .relu, .affine(outputs: 3)],
                                    [.flatten, .affine(outputs: 8), .relu, .dropout(ratio: 0.5), .affine(outputs: 3)],
                                    [.conv2d(filters: 2, kernel: 3), .relu, .flatten, .affine(outputs: 3)]] {
            let network = try Network(spec: NetworkSpec(inputShape: [1, 6, 6], layers: layers), maxBatch: 4, seed: 1)
            #expect(!network.splitsGradientsBySegment, "\(layers)")
        }
    }
}
