import Testing
import ScratchNet
import ScratchNetTestSupport

/// The batch gather (bytes of shuffled samples to floats) equals the plain
/// conversion, at 1 and 2 threads.
@Suite("Batch gather equals plain conversion", .serialized)
struct BatchGatherTests {
    /// Exact equality: both sides compute Float(byte) · (1/255) once.
    @Test(arguments: [([1, 28, 28], 100), ([1, 3, 5], 3), ([3, 7, 9], 17), ([1, 1, 1], 1)])
    func gatheredBatchEqualsPlainConversion(shape: [Int], batch: Int) throws {
        for threads in [1, 2] {  // rows are split over the threads above a grain size
            try gatherAndCompare(shape: shape, batch: batch, fastKernels: FastKernels(threads: threads))
        }
    }

    func gatherAndCompare(shape: [Int], batch: Int, fastKernels: FastKernels) throws {
        let set = randomLabeledImages(count: 257, shape: shape, seed: 7)
        var rng = SeededGenerator(seed: 3)
        let order = (0..<Int32(set.count)).shuffled(using: &rng).prefix(batch).map { $0 }
        let arena = try Arena(capacity: 2 * 4 * batch * set.samplePixels + 2 * 4 * batch + 1024)
        let fast = try arena.allocate(Shape(batch, set.samplePixels), name: "fast")
        let plain = try arena.allocate(Shape(batch, set.samplePixels), name: "plain")
        let fastLabels = try arena.allocateInt32(count: batch, name: "fast labels")
        let plainLabels = try arena.allocateInt32(count: batch, name: "plain labels")
        order.withUnsafeBufferPointer {
            set.fillBatch(indices: $0, into: fast, labels: fastLabels, kernels: fastKernels)
            set.fillBatch(indices: $0, into: plain, labels: plainLabels, kernels: NaiveKernels())
        }
        #expect(fast.toArray() == plain.toArray())
        #expect(Array(fastLabels) == Array(plainLabels))

        let start = 257 - batch
        set.fillBatch(start: start, count: batch, into: fast, labels: fastLabels, kernels: fastKernels)
        let contiguous = (start..<257).map(Int32.init)
        contiguous.withUnsafeBufferPointer { set.fillBatch(indices: $0, into: plain, labels: plainLabels, kernels: NaiveKernels()) }
        #expect(fast.toArray() == plain.toArray())
        #expect(Array(fastLabels) == Array(plainLabels))
    }

}
