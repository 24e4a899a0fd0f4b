import CKernels
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
/// When a core is busy: a replica whose thread shares a core with another
/// process stalls every step (the others wait for it in the sum), and
/// training fell to 0.37–0.60× of one thread. So, like ``ThreadGovernor``,
/// a ``ProbeSchedule`` times steps both ways now and then, and when the
/// replicas' steps done *in turn* on the calling thread are faster, runs
/// them so: every shard's forward and backward, then the same gradient sum
/// (`sn_sum_scaled_f32`, rounded as the collective rounds it), then the
/// update. The weights are the same bits either way, so the timing-driven
/// choice never shows in them. ``Placement`` fixes the choice instead.
///
/// Those steps run every shard on the first replica and update it alone
/// (the others' weights and optimizer state are copied from it before they
/// are next used), unless a layer draws random numbers or keeps running
/// statistics (Dropout, BatchNorm): a replica's forward then depends on the
/// replica, so each shard runs on its own, and each replica updates itself.
/// Why: with one core busy, mlp Adam's in-turn steps ran at 0.68× of one
/// thread, most of the loss being the second replica's Adam update.
///
/// When the first replica holds a whole batch (`maxBatch` ≥ the batch size)
/// and every layer with parameters can split its sums over rows (Affine:
/// ``SegmentedGradientLayer``), an in-turn step is one pass over the whole
/// batch: everything per row is computed once, and only the weight and bias
/// gradients and the loss are summed per shard, each into that shard's
/// replica's gradient region (``GradientSegments``). Why: two half-batch
/// passes ran at 0.84–1.10× (median 0.89×) of a 1-thread step of the same
/// batch; their products are less efficient and every small operation is
/// paid twice.
///
/// Thread safety: `@unchecked Sendable` because each rank's thread touches
/// only its own replica and trainer; call the methods from one thread.
public final class ShardedTrainer: @unchecked Sendable {
    /// The replicas; ``network`` (rank 0's) is the one to evaluate and save.
    public let replicas: [Network]
    public let group: ThreadGroup
    private let trainers: [DataParallelTrainer]
    private let placement: Placement
    private var schedule: ProbeSchedule
    // The serial sum's arguments, kept so a step allocates nothing.
    private let gradientBuffers: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
    private let shareFactors: UnsafeMutablePointer<Float>
    /// Whether in-turn steps may run every shard on the first replica.
    private let shardsRunOnFirstReplica: Bool
    /// Whether in-turn steps may be one pass over the whole batch.
    private let shardsShareOnePass: Bool
    // One pass's segments (row ends, gradient regions) and losses.
    private let segmentEnds: UnsafeMutableBufferPointer<Int>
    private let segmentRegions: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    private let segmentLosses: UnsafeMutablePointer<Float>
    /// What the other replicas copy from the first when they are stale:
    /// parameters and optimizer state, source and destination.
    private let replicaCopies: [(from: UnsafeMutablePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int)]
    /// True while replicas 1... lag the first one's weights.
    private var replicasStale = false

    /// Where each step's replicas run.
    public enum Placement: Sendable {
        /// On their own threads, unless probes find them faster in turn on
        /// one thread (a busy core); what `train --shards` does.
        case governed
        /// Always on their own threads (`train --fixed-threads`).
        case parallel
        /// Always in turn on the calling thread.
        case serial
        /// On their own threads when `parallel(globalStep)` is true (tests).
        case custom(@Sendable (_ globalStep: Int) -> Bool)
    }

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
    ///   - placement: default `.governed`, or `.parallel` when
    ///     `options.adaptiveThreads` is off.
    public init(shards: Int, train: LabeledImages, options: Trainer.Options, placement: Placement? = nil,
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
        self.placement = placement ?? (options.adaptiveThreads ? .governed : .parallel)
        schedule = ProbeSchedule(configured: shards)
        gradientBuffers = .allocate(capacity: shards)
        shareFactors = .allocate(capacity: shards)
        shardsRunOnFirstReplica = replicas[0].layers.allSatisfy { $0.persistentState.isEmpty && $0.generator == nil }
        // GradientSegments address each replica's gradients by their offset
        // in the first replica's region: the layouts must agree.
        let gradientOffsets = replicas.map { replica in
            replica.parameters.map { $0.gradient.pointer - replica.gradientRegion.baseAddress! } + [replica.gradientRegion.count]
        }
        shardsShareOnePass = shardsRunOnFirstReplica && replicas[0].splitsGradientsBySegment
            && replicas[0].maxBatch >= options.batchSize && gradientOffsets.allSatisfy { $0 == gradientOffsets[0] }
        segmentEnds = .allocate(capacity: shards)
        segmentRegions = .allocate(capacity: shards)
        for (rank, replica) in replicas.enumerated() { segmentRegions[rank] = replica.gradientRegion.baseAddress! }
        segmentLosses = .allocate(capacity: shards)
        var copies: [(from: UnsafeMutablePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int)] = []
        for replica in replicas.dropFirst() {
            for (a, b) in zip(replicas[0].parameters, replica.parameters) {
                copies.append((a.value.pointer, b.value.pointer, a.value.count))
            }
            for (a, b) in zip(replicas[0].optimizer?.stateTensors ?? [], replica.optimizer?.stateTensors ?? []) {
                copies.append((a.tensor.pointer, b.tensor.pointer, a.tensor.count))
            }
        }
        replicaCopies = copies
        let parameterCounts = replicas.map { $0.parameters.map(\.value.count) }
        guard parameterCounts.allSatisfy({ $0 == parameterCounts[0] }) else {
            throw TrainingError.invalidOption("ShardedTrainer: the replicas have different architectures")
        }
        try onEveryRank { try self.trainers[$0].broadcastInitialWeights() }
    }

    deinit {
        gradientBuffers.deallocate()
        shareFactors.deallocate()
        segmentEnds.deallocate()
        segmentRegions.deallocate()
        segmentLosses.deallocate()
    }

    /// One epoch on all shards; returns the epoch's report (loss averaged
    /// over every sample of every shard).
    public func trainEpoch(epoch: Int) throws -> DataParallelTrainer.EpochReport {
        for trainer in trainers { trainer.beginEpoch() }
        let steps = trainers[0].stepsPerEpoch
        let reduceBefore = trainers[0].allReduceSeconds
        let kernelThreads = trainers[0].network.threads
        var serialSteps = 0
        let clock = Stopwatch()
        try withRankThreads(epoch: epoch) {
            for index in 0..<steps {
                let parallel = runsInParallel(globalStep: globalStep)
                let start = Stopwatch.now()
                if parallel {
                    syncStaleReplicas()
                    trainers[0].network.threads = kernelThreads
                    group.post(Int32(index))
                    try trainers[0].runStep(index, epoch: epoch)
                } else {
                    try group.waitUntilCommandsAreDone()
                    trainers[0].network.threads = 1
                    try serialStep(index, epoch: epoch)
                    serialSteps += 1
                }
                schedule.record(seconds: Stopwatch.now() - start)
            }
            try group.waitUntilCommandsAreDone()
        }
        syncStaleReplicas()
        trainers[0].network.threads = kernelThreads
        let seconds = clock.elapsed
        let lossSum = trainers.reduce(0.0) { $0 + $1.epochLossSum }
        return .init(epoch: epoch, meanLoss: Float(lossSum / Double(trainers[0].train.count)), seconds: seconds,
                     samplesPerSecond: Double(trainers[0].train.count) / max(seconds, 1e-9),
                     allReduceSecondsPerStep: (trainers[0].allReduceSeconds - reduceBefore) / Double(max(steps, 1)),
                     steps: steps, serialSteps: serialSteps)
    }

    private func runsInParallel(globalStep: Int) -> Bool {
        switch placement {
        case .governed: schedule.next > 1
        case .parallel: true
        case .serial: false
        case .custom(let parallel): parallel(globalStep)
        }
    }

    /// Every shard's step `index` on the calling thread, then the sum of
    /// their gradients (rank order, as the collective), then the update:
    /// the same float operations as the ranks on their own threads.
    private func serialStep(_ index: Int, epoch: Int) throws {
        let first = trainers[0]
        if shardsShareOnePass, try onePassStep(index, epoch: epoch) {
            // gradientBuffers and shareFactors are set
        } else if shardsRunOnFirstReplica {
            // Shards 1... on the first replica, each gradient moved aside
            // into its own replica's (idle) gradient region; shard 0 last.
            let gradients = replicas[0].gradientRegion
            for rank in 1..<trainers.count {
                let trainer = trainers[rank]
                let (local, global) = trainer.loadShard(step: index, into: replicas[0])
                let (loss, share) = first.computeGradients(localBatch: local, globalBatch: global)
                try trainer.record(loss: loss, localBatch: local, epoch: epoch, step: trainer.globalStep + 1)
                let aside = replicas[rank].gradientRegion
                aside.baseAddress!.update(from: gradients.baseAddress!, count: gradients.count)
                gradientBuffers[rank] = aside.baseAddress
                shareFactors[rank] = share
            }
            let (local, global) = first.loadShard(step: index)
            let (loss, share) = first.computeGradients(localBatch: local, globalBatch: global)
            try first.record(loss: loss, localBatch: local, epoch: epoch, step: first.globalStep + 1)
            gradientBuffers[0] = gradients.baseAddress
            shareFactors[0] = share
        } else {
            for (rank, trainer) in trainers.enumerated() {
                let (local, global) = trainer.loadShard(step: index)
                let (loss, share) = trainer.computeGradients(localBatch: local, globalBatch: global)
                try trainer.record(loss: loss, localBatch: local, epoch: epoch, step: trainer.globalStep + 1)
                gradientBuffers[rank] = trainer.network.gradientRegion.baseAddress
                shareFactors[rank] = share
            }
        }
        let clock = Stopwatch()
        // With every shard on the first replica, the other regions were
        // only scratch: the sum goes into the first alone.
        let sum = shardsRunOnFirstReplica ? sn_sum_scaled_into_first_f32 : sn_sum_scaled_f32
        sum(gradientBuffers, shareFactors, Int32(trainers.count), replicas[0].gradientRegion.count)
        first.addAllReduceSeconds(clock.elapsed)
        first.applyUpdate()
        for trainer in trainers.dropFirst() {
            if shardsRunOnFirstReplica { trainer.countStepUpdatedElsewhere() } else { trainer.applyUpdate() }
        }
        replicasStale = shardsRunOnFirstReplica && trainers.count > 1
    }

    /// Every shard's rows of step `index` in the first replica's buffers, one
    /// after the other, then one forward and backward over them all with each
    /// shard's gradients in its own replica's region. False, before anything
    /// is computed, when a shard is empty: that step takes the shard-by-shard
    /// path.
    private func onePassStep(_ index: Int, epoch: Int) throws -> Bool {
        let first = replicas[0]
        var row = 0
        for (rank, trainer) in trainers.enumerated() {
            let (local, global) = trainer.loadShard(step: index, into: first, atRow: row)
            guard local > 0 else { return false }
            row += local
            segmentEnds[rank] = row
            shareFactors[rank] = Float(local) / Float(global)
        }
        let segments = GradientSegments(ends: UnsafeBufferPointer(segmentEnds), regions: UnsafeBufferPointer(segmentRegions))
        first.loss(segmentEnds: segments.ends, into: segmentLosses)
        for (rank, trainer) in trainers.enumerated() {
            try trainer.record(loss: segmentLosses[rank], localBatch: segments.rows(rank).count, epoch: epoch,
                               step: trainer.globalStep + 1)
        }
        first.backward(segments: segments)
        for rank in trainers.indices { gradientBuffers[rank] = segmentRegions[rank] }
        return true
    }

    /// Copies the first replica's parameters and optimizer state into the
    /// others after in-turn steps that updated it alone.
    private func syncStaleReplicas() {
        guard replicasStale else { return }
        for copy in replicaCopies { copy.to.update(from: copy.from, count: copy.count) }
        for replica in replicas.dropFirst() { replica.optimizer?.stepCount = replicas[0].optimizer?.stepCount ?? 0 }
        replicasStale = false
    }

    /// Runs `body` on the calling thread (rank 0) while ranks 1... wait on
    /// their own threads for the steps it posts (``ThreadGroup/post(_:)``),
    /// running each with ``DataParallelTrainer/runStep(_:epoch:)``; then
    /// stops them. Errors as ``onEveryRank(_:)``.
    private func withRankThreads(epoch: Int, _ body: () throws -> Void) throws {
        let errors = Mutex<[(any Error)?]>(Array(repeating: nil, count: replicas.count))
        let group = self.group
        let finished = DispatchSemaphore(value: 0)
        let postedBefore = group.postedCount
        for rank in 1..<replicas.count {
            let thread = Thread {
                do {
                    var taken = postedBefore
                    while true {
                        let index = try group.nextCommand(rank: rank, taken: &taken)
                        defer { group.commandDone() }
                        if index == Self.stopCommand { break }
                        try self.trainers[rank].runStep(Int(index), epoch: epoch)
                    }
                } catch {
                    errors.withLock { $0[rank] = error }
                    group.abort()
                }
                finished.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        do {
            try body()
            group.post(Self.stopCommand)
        } catch {
            errors.withLock { $0[0] = error }
            group.abort()
        }
        for _ in 1..<replicas.count { finished.wait() }
        let failures = errors.withLock { $0.compactMap { $0 } }
        if let cause = failures.first(where: { !($0 is CommunicatorError) }) ?? failures.first { throw cause }
    }

    private static let stopCommand: Int32 = .max

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
