import Dispatch
import Foundation
import Synchronization

/// Data-parallel training on the threads of this process: `shards` replicas
/// of one network, each training on its slice of every batch with one
/// kernel thread, their gradients summed in place after each step
/// (``ThreadGroup``, the same algorithm as MPI's ``DataParallelTrainer``).
///
/// Why: a batch-100 step of the book's networks takes a few hundred µs, too
/// little for matrix products split over threads to hide what runs between
/// them (bias, activations, softmax, the small products, fork/joins): on
/// 2 cores that gives 1.5–1.7× of 1 thread. Whole replicas on whole shards keep every
/// thread busy for the whole step; they meet once per step, to add
/// gradients.
///
/// The price is summation order. A weight gradient is the sum of `shards`
/// per-shard products, added in rank order, rather than one product over the
/// batch. Weights therefore differ from 1-shard training by float rounding, within 1e-4 after
/// a few hundred steps in the tests. For a given shard count, seed and data
/// they are the same run after run, and every replica agrees bit for bit.
/// Layers with batch statistics (BatchNorm) normalize over a shard.
///
/// Thread safety: `@unchecked Sendable` because each rank's thread touches
/// only its own replica and trainer; call the methods from one thread.
public final class ShardedTrainer: @unchecked Sendable {
    /// The replicas; ``network`` (rank 0's) is the one to evaluate and save.
    public let replicas: [Network]
    public let group: ThreadGroup
    private let trainers: [DataParallelTrainer]

    /// Rank 0's replica.
    public var network: Network { replicas[0] }
    /// Steps taken so far (the same on every rank).
    public var globalStep: Int { trainers[0].globalStep }

    /// - Parameters:
    ///   - shards: replicas and threads, 1...64 and at most `options.batchSize`.
    ///   - train: the training set, shared read-only by every replica.
    ///   - options: `batchSize` is the whole batch, split over the shards.
    ///   - makeReplica: builds replica `rank`; every call must build the same
    ///     architecture with the same seed (rank 0's weights are copied to the
    ///     others anyway), with `maxBatch` ≥ the largest shard.
    public init(shards: Int, train: LabeledImages, options: Trainer.Options,
                makeReplica: (_ rank: Int) throws -> Network) throws {
        guard (1...64).contains(shards) else { throw TrainingError.invalidOption("shards must be 1...64, got \(shards)") }
        guard shards <= options.batchSize else {
            throw TrainingError.invalidOption("\(shards) shards of a batch of \(options.batchSize): a shard would be empty")
        }
        let group = ThreadGroup(size: shards)
        let replicas = try (0..<shards).map(makeReplica)
        trainers = try replicas.indices.map {
            try DataParallelTrainer(network: replicas[$0], communicator: group.communicator(rank: $0), train: train, options: options)
        }
        self.group = group
        self.replicas = replicas
        let parameterCounts = replicas.map { $0.parameters.map(\.value.count) }
        guard parameterCounts.allSatisfy({ $0 == parameterCounts[0] }) else {
            throw TrainingError.invalidOption("ShardedTrainer: the replicas have different architectures")
        }
        try onEveryRank { try self.trainers[$0].broadcastInitialWeights() }
    }

    /// One epoch on all shards at once; returns the epoch's report (loss
    /// averaged over every sample of every shard).
    public func trainEpoch(epoch: Int) throws -> DataParallelTrainer.EpochReport {
        let reports = Mutex<[DataParallelTrainer.EpochReport?]>(Array(repeating: nil, count: replicas.count))
        try onEveryRank { rank in
            let report = try self.trainers[rank].trainEpoch(epoch: epoch)
            reports.withLock { $0[rank] = report }
        }
        return reports.withLock { $0[0]! }
    }

    /// True when every replica holds bit-identical parameters.
    public func replicasAgree() throws -> Bool {
        let verdicts = Mutex<[Bool]>(Array(repeating: false, count: replicas.count))
        try onEveryRank { rank in
            let agree = try self.trainers[rank].weightsAgreeAcrossRanks()
            verdicts.withLock { $0[rank] = agree }
        }
        return verdicts.withLock { $0.allSatisfy { $0 } }
    }

    /// Runs `body(rank)` for every rank, each on its own thread (rank 0 on
    /// the calling one), and waits for all. Real threads, not a dispatch
    /// pool: the ranks wait for each other, so all must run at once.
    /// When a rank throws, the group is aborted so the others stop at their
    /// next collective; the error rethrown is the first one that is not that
    /// abort's consequence.
    private func onEveryRank(_ body: @escaping @Sendable (Int) throws -> Void) throws {
        let errors = Mutex<[(any Error)?]>(Array(repeating: nil, count: replicas.count))
        let group = self.group
        let run: @Sendable (Int) -> Void = { rank in
            do { try body(rank) } catch {
                errors.withLock { $0[rank] = error }
                group.abort()
            }
        }
        let finished = DispatchSemaphore(value: 0)
        for rank in 1..<replicas.count {
            let thread = Thread { run(rank); finished.signal() }
            thread.stackSize = 8 << 20
            thread.start()
        }
        run(0)
        for _ in 1..<replicas.count { finished.wait() }
        let failures = errors.withLock { $0.compactMap { $0 } }
        if let cause = failures.first(where: { !($0 is CommunicatorError) }) ?? failures.first { throw cause }
    }
}
