import Testing
import ScratchNet
import ScratchNetTestSupport

/// The training-step speed work: fast paths must equal their plain twins.
@Suite("Step performance: fast paths equal plain ones")
struct StepPerformanceTests {
    /// A set of `count` samples of `shape` with pseudo-random bytes.
    func randomImages(count: Int, shape: [Int], seed: UInt64) -> LabeledImages {
        var rng = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        let pixels = (0..<count * n).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let labels = (0..<count).map { _ in UInt8.random(in: 0...9, using: &rng) }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: shape, source: "random")
    }

    /// Exact equality: both sides compute Float(byte) · (1/255) once.
    @Test(arguments: [([1, 28, 28], 100), ([1, 3, 5], 3), ([3, 7, 9], 17), ([1, 1, 1], 1)])
    func gatheredBatchEqualsPlainConversion(shape: [Int], batch: Int) throws {
        let set = randomImages(count: 257, shape: shape, seed: 7)
        var rng = SeededGenerator(seed: 3)
        let order = (0..<Int32(set.count)).shuffled(using: &rng).prefix(batch).map { $0 }
        let arena = try Arena(capacity: 2 * 4 * batch * set.samplePixels + 2 * 4 * batch + 1024)
        let fast = try arena.allocate(Shape(batch, set.samplePixels), name: "fast")
        let plain = try arena.allocate(Shape(batch, set.samplePixels), name: "plain")
        let fastLabels = try arena.allocateInt32(count: batch, name: "fast labels")
        let plainLabels = try arena.allocateInt32(count: batch, name: "plain labels")
        order.withUnsafeBufferPointer {
            set.fillBatch(indices: $0, into: fast, labels: fastLabels)
            set.referenceFillBatch(indices: $0, into: plain, labels: plainLabels)
        }
        #expect(fast.toArray() == plain.toArray())
        #expect(Array(fastLabels) == Array(plainLabels))

        let start = 257 - batch
        set.fillBatch(start: start, count: batch, into: fast, labels: fastLabels)
        let contiguous = (start..<257).map(Int32.init)
        contiguous.withUnsafeBufferPointer { set.referenceFillBatch(indices: $0, into: plain, labels: plainLabels) }
        #expect(fast.toArray() == plain.toArray())
        #expect(Array(fastLabels) == Array(plainLabels))
    }
}
