import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Data-parallel training (``Trainer`` with ``AllReduce``), with P ranks
/// played by P threads of one process (``ThreadRanks``), so the default
/// `swift test` proves the arithmetic without MPI; scripts/mpi-check.sh runs
/// the same job across real processes.
@Suite("Data-parallel training")
struct DistributedTests {
    /// 640 random 8×8 "images" with 4 classes decided by which quarter of
    /// the image is brightest: learnable, and small enough for debug builds.
    static let data: LabeledImages = {
        var rng = SeededGenerator(seed: 99)
        let count = 640
        var pixels = [UInt8](repeating: 0, count: count * 64)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            var sums = [0, 0, 0, 0]
            for k in 0..<64 {
                let v = UInt8(rng.nextInt(below: 256))
                pixels[i * 64 + k] = v
                sums[(k / 8 < 4 ? 0 : 2) + (k % 8 < 4 ? 0 : 1)] += Int(v)
            }
            labels[i] = UInt8(sums.indices.max { sums[$0] < sums[$1] }!)
        }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 8, 8], source: "synthetic")
    }()

    static let spec = Preset.mlp.spec(inputShape: [1, 8, 8], classes: 4, hidden: [32, 16])

    static func makeNetwork(maxBatch: Int) throws -> Network {
        try Network(spec: spec, maxBatch: maxBatch, optimizer: SGD(learningRate: 0.1), seed: 5)
    }

    /// The largest |x − y| over two networks' parameters, tensor by tensor.
    static func maxAbsDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
        zip(a, b).reduce(0) { worst, pair in zip(pair.0, pair.1).reduce(worst) { max($0, abs($1.0 - $1.1)) } }
    }

    @Test func shardsSplitTheGlobalBatchIntoNearlyEqualContiguousSlices() {
        for (global, size) in [(100, 1), (100, 2), (100, 3), (7, 4), (2, 3), (0, 2)] {
            let shards = (0..<size).map { AllReduce.shard(of: global, rank: $0, size: size) }
            #expect(shards.first?.lowerBound == 0)
            #expect(shards.last?.upperBound == global)
            for (a, b) in zip(shards, shards.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            let counts = shards.map(\.count)
            #expect(counts.max()! - counts.min()! <= 1, "\(global) over \(size): \(counts)")
        }
    }

    @Test func everyPresetKeepsAllParameterGradientsInsideTheGradientRegion() throws {
        let specs = Preset.allCases.map { ($0.rawValue, $0.spec()) }
            + [("mlp+batchNorm", Preset.mlp.spec(hidden: [16], batchNorm: true))]
        for (name, spec) in specs {
            let network = try Network(spec: spec, maxBatch: 4, optimizer: SGD(), seed: 1)
            #expect(throws: Never.self, "\(name)") { try AllReduce.checkGradientsAreContiguous(network) }
            let floats = network.parameters.reduce(0) { $0 + $1.gradient.count }
            #expect(network.gradientRegion.count >= floats, "\(name)")
            // Padding only: never more than one cache line per tensor.
            #expect(network.gradientRegion.count <= floats + 16 * network.parameters.count, "\(name)")
        }
    }

    /// Two epochs with a short last batch (640 = 21·30 + 10), a schedule,
    /// augmentation and evaluation: everything the loop does per step and
    /// per epoch goes through the reduction's path.
    static func trainAlone(reduction: any GradientReduction) throws -> (weights: [[Float]], history: [Trainer.EpochReport]) {
        let network = try Network(spec: spec, maxBatch: 30, optimizer: Adam(learningRate: 0.01), seed: 5)
        let trainer = try Trainer(network: network, train: data, test: data.subset(0..<100),
                                  options: .init(epochs: 2, batchSize: 30, seed: 3, schedule: .cosine(floor: 0.1),
                                                 augmentation: Augmentation(flip: true, maxShift: 1)),
                                  reduction: reduction)
        let history = try trainer.run()
        return (network.weightsSnapshot(), history)
    }

    @Test func allReduceOverOneProcessRepeatsLocalTrainingBitForBit() throws {
        let local = try Self.trainAlone(reduction: LocalReduction())
        let reduced = try Self.trainAlone(reduction: AllReduce(communicator: SingleProcessCommunicator()))
        #expect(local.weights == reduced.weights)
        #expect(local.history.map(\.meanLoss) == reduced.history.map(\.meanLoss))
        #expect(local.history.map(\.trainAccuracy) == reduced.history.map(\.trainAccuracy))
        #expect(local.history.map(\.testAccuracy) == reduced.history.map(\.testAccuracy))
    }

    @Test func aRanksSliceMustFitItsNetwork() throws {
        let network = try Self.makeNetwork(maxBatch: 16)
        // A job of one: its rank takes the whole batch of 32.
        #expect(throws: TrainingError.self) {
            try Trainer(network: network, train: Self.data, test: nil, options: .init(epochs: 1, batchSize: 32),
                        reduction: AllReduce(communicator: SingleProcessCommunicator()))
        }
    }

    /// Trains one epoch on `ranks` threads; returns rank 0's weights, whether
    /// the ranks agreed bit for bit after every step, the epoch's mean loss
    /// and its training accuracy.
    static func trainDataParallel(ranks: Int, globalBatch: Int, seed: UInt64) throws
        -> (weights: [[Float]], inSyncEveryStep: Bool, meanLoss: Float, trainAccuracy: Float) {
        let group = ThreadRanks(size: ranks)
        typealias Outcome = ([[Float]], Bool, Float, Float)
        let results = Locked<[Int: Result<Outcome, any Error>]>([:])
        let done = DispatchSemaphore(value: 0)
        for rank in 0..<ranks {
            let thread = Thread {
                let outcome = Result { () throws -> Outcome in
                    let reduction = AllReduce(communicator: group.communicator(rank: rank))
                    let shard = AllReduce.shard(of: globalBatch, rank: 0, size: ranks).count
                    let network = try Self.makeNetwork(maxBatch: shard)
                    let trainer = try Trainer(network: network, train: Self.data, test: nil,
                                              options: .init(epochs: 1, batchSize: globalBatch, seed: seed, adaptiveThreads: false),
                                              reduction: reduction)
                    var inSync = true
                    let history = try trainer.run(afterStep: { _ in
                        if try !reduction.weightsAgree(in: network) { inSync = false }
                        return true
                    })
                    return (network.weightsSnapshot(), inSync, history[0].meanLoss, history[0].trainAccuracy)
                }
                results.withLock { $0[rank] = outcome }
                done.signal()
            }
            thread.start()
        }
        for _ in 0..<ranks { done.wait() }
        let all = try results.withLock { r in try (0..<ranks).map { try r[$0]!.get() } }
        for other in all.dropFirst() {
            #expect(other.0 == all[0].0, "every rank ends with rank 0's weights")
            #expect(other.2 == all[0].2 && other.3 == all[0].3, "every rank reports the same loss and accuracy")
        }
        return (all[0].0, all.allSatisfy(\.1), all[0].2, all[0].3)
    }

    @Test func oneThreadRankRepeatsLocalTrainingBitForBit() throws {
        let plain = try Self.makeNetwork(maxBatch: 50)
        let trainer = try Trainer(network: plain, train: Self.data, test: nil,
                                  options: .init(epochs: 1, batchSize: 50, seed: 11, adaptiveThreads: false))
        let history = try trainer.run()
        let ranked = try Self.trainDataParallel(ranks: 1, globalBatch: 50, seed: 11)
        #expect(plain.weightsSnapshot() == ranked.weights)
        #expect(history[0].meanLoss == ranked.meanLoss)
        #expect(history[0].trainAccuracy == ranked.trainAccuracy)
    }

    @Test(arguments: [2, 3])
    func ranksMatchOneProcessWithinToleranceAndStayInSync(ranks: Int) throws {
        let globalBatch = 50
        let single = try Self.trainDataParallel(ranks: 1, globalBatch: globalBatch, seed: 11)
        let parallel = try Self.trainDataParallel(ranks: ranks, globalBatch: globalBatch, seed: 11)
        #expect(parallel.inSyncEveryStep)
        // One process sums each weight gradient over 50 samples in one
        // matrix product; P ranks sum P partial products and add them. The
        // rounding differs (~1e-7 relative per step) and 13 SGD steps at
        // lr 0.1 carry it along: 1e-4 absolute on weights of size ~0.3 is
        // ~1000× the expected drift and far below any real mistake (a
        // missing 1/P scale changes weights by ~1e-2).
        let worst = Self.maxAbsDifference(single.weights, parallel.weights)
        #expect(worst <= 1e-4, "\(ranks) ranks vs 1 process: max |Δw| = \(worst)")
        #expect(abs(single.meanLoss - parallel.meanLoss) <= 1e-4 * max(1, single.meanLoss))
        // Each rank counts its slice of the data; a prediction flipped by the
        // rounding above moves the accuracy by 1/640.
        #expect(abs(single.trainAccuracy - parallel.trainAccuracy) <= 2.0 / 640)
        // The weights really moved (a test that trains nothing would pass the above).
        let initial = try Self.makeNetwork(maxBatch: 1).weightsSnapshot()
        #expect(initial != parallel.weights)
    }

    @Test func aGlobalBatchSmallerThanTheRankCountLeavesSomeShardsEmpty() throws {
        // 640 samples in batches of 3 over 4 ranks: every step has an idle rank.
        let single = try Self.trainDataParallel(ranks: 1, globalBatch: 3, seed: 2)
        let parallel = try Self.trainDataParallel(ranks: 4, globalBatch: 3, seed: 2)
        #expect(parallel.inSyncEveryStep)
        let worst = Self.maxAbsDifference(single.weights, parallel.weights)
        // 214 steps instead of 13: more rounding carried along.
        #expect(worst <= 1e-3, "max |Δw| = \(worst)")
    }
}

#if MPI
/// Run by scripts/mpi-check.sh under `mpirun -np 2` (and harmlessly as a
/// job of one by `swift test --traits MPI`): real processes, real
/// `MPI_Allreduce`, compared with a one-process run each rank makes itself.
@Suite("Data-parallel training over MPI")
struct MPIDistributedTests {
    @Test func mpiRanksMatchOneProcessWithinToleranceAndStayInSync() throws {
        let reference = try DistributedTests.trainDataParallel(ranks: 1, globalBatch: 50, seed: 11)
        let communicator = try MPICommunicator()
        let reduction = AllReduce(communicator: communicator)
        let shard = AllReduce.shard(of: 50, rank: 0, size: communicator.size).count
        let network = try DistributedTests.makeNetwork(maxBatch: shard)
        let trainer = try Trainer(network: network, train: DistributedTests.data, test: nil,
                                  options: .init(epochs: 1, batchSize: 50, seed: 11, adaptiveThreads: false),
                                  reduction: reduction)
        var stepsInSync = 0
        let history = try trainer.run(afterStep: { _ in
            if try reduction.weightsAgree(in: network) { stepsInSync += 1 }
            return true
        })
        #expect(stepsInSync == trainer.globalStep, "rank \(communicator.rank) of \(communicator.size): in sync after \(stepsInSync) of \(trainer.globalStep) steps")
        let worst = DistributedTests.maxAbsDifference(reference.weights, network.weightsSnapshot())
        // Same tolerance and reasoning as the threaded test above.
        #expect(worst <= 1e-4, "rank \(communicator.rank) of \(communicator.size) vs 1 process: max |Δw| = \(worst)")
        #expect(abs(history[0].meanLoss - reference.meanLoss) <= 1e-4 * max(1, reference.meanLoss))
    }
}
#endif

/// Ranks that are threads of one process, for tests: a ``Communicator`` per
/// rank whose collectives meet at a barrier and add the ranks' buffers in
/// rank order, so every rank gets the same bits (as `MPI_Allreduce`
/// promises).
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    private var floats: [UnsafeMutableBufferPointer<Float>]
    private var doubles: [UnsafeMutableBufferPointer<Double>]

    init(size: Int) {
        self.size = size
        floats = Array(repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: size)
        doubles = Array(repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: size)
    }

    func communicator(rank: Int) -> any Communicator { Rank(group: self, rank: rank) }

    private func barrier() {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
    }

    /// Every rank publishes its buffer; after the first barrier each adds
    /// all of them (rank 0's first); after the second, when nobody reads any
    /// more, each writes the sum into its own.
    private func sum<T: FloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, rank: Int,
                                       slots: ReferenceWritableKeyPath<ThreadRanks, [UnsafeMutableBufferPointer<T>]>) {
        self[keyPath: slots][rank] = buffer
        barrier()
        var total = Array(self[keyPath: slots][0])
        for r in 1..<size {
            let other = self[keyPath: slots][r]
            precondition(other.count == total.count, "ThreadRanks: counts differ")
            for i in 0..<total.count { total[i] += other[i] }
        }
        barrier()
        for i in 0..<total.count { buffer[i] = total[i] }
    }

    private final class Rank: Communicator {
        let group: ThreadRanks
        let rank: Int
        init(group: ThreadRanks, rank: Int) {
            self.group = group
            self.rank = rank
        }
        var size: Int { group.size }
        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { group.sum(buffer, rank: rank, slots: \.floats) }
        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { group.sum(buffer, rank: rank, slots: \.doubles) }
        func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
            group.floats[rank] = buffer
            group.barrier()
            if rank != root { for i in 0..<buffer.count { buffer[i] = group.floats[root][i] } }
            group.barrier()
        }
    }
}

/// A mutex-protected value (Foundation's NSLock; tests only).
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
