import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Data-parallel training, with P ranks played by P threads of one process
/// (``ThreadGroup``), so the default `swift test` proves the arithmetic of
/// ``DataParallelTrainer`` without MPI; scripts/mpi-check.sh runs the same
/// job across real processes.
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
            let shards = (0..<size).map { DataParallelTrainer.shard(of: global, rank: $0, size: size) }
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
            #expect(throws: Never.self, "\(name)") { try DataParallelTrainer.checkGradientsAreContiguous(network) }
            let floats = network.parameters.reduce(0) { $0 + $1.gradient.count }
            #expect(network.gradientRegion.count >= floats, "\(name)")
            // Padding only: never more than one cache line per tensor.
            #expect(network.gradientRegion.count <= floats + 16 * network.parameters.count, "\(name)")
        }
    }

    @Test func oneRankRepeatsPlainTrainingBitForBit() throws {
        let plain = try Self.makeNetwork(maxBatch: 32)
        let trainer = try Trainer(network: plain, train: Self.data, test: nil, options: .init(epochs: 1, batchSize: 32, seed: 3))
        _ = try trainer.trainEpoch(epoch: 1)

        let parallel = try Self.makeNetwork(maxBatch: 32)
        let dp = try DataParallelTrainer(network: parallel, communicator: SingleProcessCommunicator(), train: Self.data,
                                         options: .init(epochs: 1, batchSize: 32, seed: 3))
        try dp.broadcastInitialWeights()
        _ = try dp.trainEpoch(epoch: 1)
        for (a, b) in zip(plain.parameters, parallel.parameters) {
            #expect(a.value.toArray() == b.value.toArray(), "\(a.name)")
        }
    }

    /// Trains one epoch on `ranks` threads; returns rank 0's weights and
    /// whether the ranks agreed bit for bit after every step.
    static func trainDataParallel(ranks: Int, globalBatch: Int, seed: UInt64) throws -> (weights: [[Float]], inSyncEveryStep: Bool, meanLoss: Float) {
        let group = ThreadGroup(size: ranks)
        let results = Locked<[Int: Result<([[Float]], Bool, Float), any Error>]>([:])
        let done = DispatchSemaphore(value: 0)
        for rank in 0..<ranks {
            let thread = Thread {
                let outcome = Result { () throws -> ([[Float]], Bool, Float) in
                    let communicator = group.communicator(rank: rank)
                    let shard = DataParallelTrainer.shard(of: globalBatch, rank: 0, size: ranks).count
                    let network = try Self.makeNetwork(maxBatch: shard)
                    let dp = try DataParallelTrainer(network: network, communicator: communicator, train: Self.data,
                                                     options: .init(epochs: 1, batchSize: globalBatch, seed: seed))
                    try dp.broadcastInitialWeights()
                    var inSync = true
                    let report = try dp.trainEpoch(epoch: 1) { _, _ in
                        if try !dp.weightsAgreeAcrossRanks() { inSync = false }
                    }
                    return (network.weightsSnapshot(), inSync, report.meanLoss)
                }
                results.withLock { $0[rank] = outcome }
                done.signal()
            }
            thread.start()
        }
        for _ in 0..<ranks { done.wait() }
        let all = try results.withLock { r in try (0..<ranks).map { try r[$0]!.get() } }
        for other in all.dropFirst() { #expect(other.0 == all[0].0, "every rank ends with rank 0's weights") }
        return (all[0].0, all.allSatisfy(\.1), all[0].2)
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
        let shard = DataParallelTrainer.shard(of: 50, rank: 0, size: communicator.size).count
        let network = try DistributedTests.makeNetwork(maxBatch: shard)
        let dp = try DataParallelTrainer(network: network, communicator: communicator, train: DistributedTests.data,
                                         options: .init(epochs: 1, batchSize: 50, seed: 11))
        try dp.broadcastInitialWeights()
        var stepsInSync = 0
        let report = try dp.trainEpoch(epoch: 1) { _, _ in
            if try dp.weightsAgreeAcrossRanks() { stepsInSync += 1 }
        }
        #expect(stepsInSync == report.steps, "rank \(communicator.rank) of \(communicator.size): in sync after \(stepsInSync) of \(report.steps) steps")
        let worst = DistributedTests.maxAbsDifference(reference.weights, network.weightsSnapshot())
        // Same tolerance and reasoning as the threaded test above.
        #expect(worst <= 1e-4, "rank \(communicator.rank) of \(communicator.size) vs 1 process: max |Δw| = \(worst)")
        #expect(abs(report.meanLoss - reference.meanLoss) <= 1e-4 * max(1, reference.meanLoss))
    }
}
#endif

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
