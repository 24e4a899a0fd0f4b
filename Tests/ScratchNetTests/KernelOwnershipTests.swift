import Testing
import ScratchNet
import ScratchNetC
import ScratchNetTestSupport

/// The batch gathers behind ``Kernels``, fast against naive on odd sizes at 1
/// and 2 threads; the naive backend's whole training step; and thread counts
/// that belong to their owner (a network, a C-API model), not the process.
@Suite("Kernels: batch gathers and thread-count ownership", .serialized)
struct KernelOwnershipTests {
    static let naive = NaiveKernels()

    /// (rows, bytes per sample): single rows and samples, sizes that are not
    /// multiples of 16, and batches above the 32 768-byte grain where the
    /// rows are split over the threads.
    static let gatherShapes = [(1, 1), (7, 7), (33, 33), (100, 100), (1, 1000), (1000, 7), (100, 1000), (1000, 33)]

    @Test func gatherAndConvertMatchNaiveBitForBit() {
        for (rows, size) in Self.gatherShapes {
            let samples = 1013
            var rng = SeededGenerator(seed: UInt64(rows * 7 + size))
            let bytes = (0..<samples * size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let indices = (0..<rows).map { _ in Int32.random(in: 0..<Int32(samples), using: &rng) }
            let scale: Float = 1 / 255
            var expectGathered = [Float](repeating: .nan, count: rows * size)
            var expectConverted = expectGathered
            bytes.withUnsafeBufferPointer { b in
                indices.withUnsafeBufferPointer { ix in
                    Self.naive.gatherBytes(b.baseAddress!, indices: ix, sampleSize: size, scale: scale, into: &expectGathered)
                }
                Self.naive.convertBytes(b.baseAddress! + 5 * size, rows: rows, sampleSize: size, scale: scale,
                                        into: &expectConverted)
            }
            #expect(expectGathered[size * (rows - 1)] == Float(bytes[Int(indices[rows - 1]) * size]) * scale)
            for threads in [1, 2] {
                let fast = FastKernels(threads: threads)
                var gathered = [Float](repeating: .nan, count: rows * size)
                var converted = gathered
                bytes.withUnsafeBufferPointer { b in
                    indices.withUnsafeBufferPointer { ix in
                        fast.gatherBytes(b.baseAddress!, indices: ix, sampleSize: size, scale: scale, into: &gathered)
                    }
                    fast.convertBytes(b.baseAddress! + 5 * size, rows: rows, sampleSize: size, scale: scale, into: &converted)
                }
                #expect(gathered == expectGathered, "gather \(rows)×\(size) at \(threads) threads")
                #expect(converted == expectConverted, "convert \(rows)×\(size) at \(threads) threads")
            }
        }
    }

    /// (rows, channels, height, width), up to 1000 Fashion-MNIST-sized rows.
    static let augmentShapes = [(1, 1, 1, 1), (7, 1, 7, 5), (33, 3, 11, 9), (100, 1, 28, 28), (1000, 1, 28, 28)]

    @Test func augmentedGatherMatchesNaiveBitForBit() {
        for (rows, channels, height, width) in Self.augmentShapes {
            let size = channels * height * width
            let samples = 1013
            var rng = SeededGenerator(seed: UInt64(rows + size))
            let bytes = (0..<samples * size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let indices = (0..<rows).map { _ in Int32.random(in: 0..<Int32(samples), using: &rng) }
            let augmentation = Augmentation(flip: true, maxShift: min(3, max(0, min(height, width) - 1)))
            let transforms = (0..<rows).map { augmentation.transform(seed: 5, step: 3, row: $0) }
            func gather(_ kernels: any Kernels) -> [Float] {
                var out = [Float](repeating: .nan, count: rows * size)
                bytes.withUnsafeBufferPointer { b in
                    indices.withUnsafeBufferPointer { ix in
                        kernels.gatherBytesAugmented(b.baseAddress!, indices: ix, transforms: transforms,
                                                     channels: channels, height: height, width: width,
                                                     scale: 1 / 255, into: &out)
                    }
                }
                return out
            }
            let expected = gather(Self.naive)
            for threads in [1, 2] {
                #expect(gather(FastKernels(threads: threads)) == expected, "\(rows)×\(channels)×\(height)×\(width) at \(threads) threads")
            }
        }
    }

    /// `Backend.naive` runs a whole step on its own kernels, batch gather
    /// included: it fills the same input floats as the fast gather, and the
    /// step trains to the fast backend's weights within float rounding.
    @Test(arguments: [Augmentation.none, Augmentation(flip: true, maxShift: 2)])
    func naiveBackendRunsAWholeStepWithTheNaiveGather(augmentation: Augmentation) throws {
        let spec = Preset.mlp.spec(inputShape: [1, 12, 12], classes: 10, hidden: [32])
        let data = randomLabeledImages(count: 64, shape: [1, 12, 12], seed: 8)
        let indices = (0..<Int32(40)).map { ($0 * 7) % 64 }
        let transforms = (0..<40).map { augmentation.transform(seed: 1, step: 0, row: $0) }
        func step(_ backend: Backend) throws -> (input: [Float], labels: [Int32], weights: [[Float]]) {
            let network = try Network(spec: spec, maxBatch: 40, backend: backend, optimizer: Adam(), seed: 3, threads: 2)
            #expect(network.kernels.name == backend.rawValue)
            indices.withUnsafeBufferPointer { ix in
                if augmentation.isNone {
                    data.fillBatch(indices: ix, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
                } else {
                    transforms.withUnsafeBufferPointer { tf in
                        data.fillBatch(indices: ix, transforms: tf, into: network.inputBuffer, labels: network.labelBuffer,
                                       kernels: network.kernels)
                    }
                }
            }
            let input = network.inputBuffer.toArray()
            let labels = Array(network.labelBuffer.prefix(40))
            let loss = network.trainStep(batch: 40)
            #expect(loss.isFinite)
            return (input, labels, network.weightsSnapshot())
        }
        let fast = try step(.fast), naive = try step(.naive)
        #expect(fast.input == naive.input)
        #expect(fast.labels == naive.labels)
        for (f, n) in zip(fast.weights, naive.weights) {
            // Matrix products sum in another order; Adam's first step moves
            // every weight by about lr, so the weights differ in rounding only.
            let worst = zip(f, n).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "\(worst)")
        }
    }

    /// Two networks in one process keep their own counts and train as a
    /// network on one thread does (bit for bit: no sum depends on the count).
    @Test func twoNetworksKeepTheirOwnThreadCounts() throws {
        let spec = Preset.simpleCNN.spec(inputShape: [1, 12, 12], classes: 10)
        let data = randomLabeledImages(count: 60, shape: [1, 12, 12], seed: 4)
        let one = try Network(spec: spec, maxBatch: 30, optimizer: SGD(learningRate: 0.05), seed: 6, threads: 1)
        let two = try Network(spec: spec, maxBatch: 30, optimizer: SGD(learningRate: 0.05), seed: 6, threads: 2)
        #expect(one.threads == 1 && two.threads == 2)
        var lossesOne: [Float] = [], lossesTwo: [Float] = []
        for step in 0..<6 {
            for (network, losses) in [(one, 0), (two, 1)] {
                data.fillBatch(start: (step % 2) * 30, count: 30, into: network.inputBuffer, labels: network.labelBuffer,
                               kernels: network.kernels)
                let loss = network.trainStep(batch: 30)
                if losses == 0 { lossesOne.append(loss) } else { lossesTwo.append(loss) }
            }
            #expect(one.threads == 1 && two.threads == 2, "step \(step)")
        }
        #expect(lossesOne.allSatisfy { $0.isFinite })
        #expect(lossesOne.last! < lossesOne.first!)
        #expect(one.weightsSnapshot() == two.weightsSnapshot())

        two.threads = 3
        #expect(two.threads == 3 && one.threads == 1)
        one.threads = 2
        #expect(two.threads == 3 && one.threads == 2)
    }

    /// Each C-API model has its own count; setting one leaves the other's.
    @Test func cAPIModelsKeepTheirOwnThreadCounts() throws {
        var a: OpaquePointer?, b: OpaquePointer?
        #expect(scratchnetModelCreate("two-layer", 1, 8, &a) == 0)
        #expect(scratchnetModelCreate("two-layer", 1, 8, &b) == 0)
        defer { _ = scratchnetModelFree(a); _ = scratchnetModelFree(b) }
        var threads: Int32 = 0
        #expect(scratchnetModelThreads(a, &threads) == 0 && threads == 1)
        #expect(scratchnetModelSetThreads(a, 2) == 0)
        #expect(scratchnetModelSetThreads(b, 3) == 0)
        #expect(scratchnetModelThreads(a, &threads) == 0 && threads == 2)
        #expect(scratchnetModelThreads(b, &threads) == 0 && threads == 3)
        #expect(scratchnetModelSetThreads(b, 0) != 0)
        #expect(scratchnetModelThreads(b, &threads) == 0 && threads == 3)
        #expect(scratchnetModelSetThreads(nil, 2) != 0)
    }

    /// The governor hands its count to the caller and sets nothing else.
    @Test func governorReturnsTheCountItWantsApplied() throws {
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 4, threads: 2)
        let other = try Network(spec: Preset.twoLayer.spec(), maxBatch: 4, threads: 2)
        var governor = ThreadGovernor(configured: 2, probeSteps: 2, period: 10, warmupSteps: 0)
        let first = governor.beginStep(now: 0)
        network.threads = first
        #expect(first == 1)  // a probe starts with 1 thread
        #expect(network.threads == 1 && other.threads == 2)
        network.threads = governor.finish()
        #expect(network.threads == 2)
    }
}
