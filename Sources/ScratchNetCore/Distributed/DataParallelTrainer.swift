/// Synchronous data-parallel SGD: every rank holds the whole network, trains
/// on its own shard of each global batch, and all ranks sum their gradients
/// before every update, so they keep identical weights.
///
/// A step, on every rank:
/// 1. forward and backward on the rank's shard (`localBatch` samples), which
///    writes the gradient of the *local* mean loss;
/// 2. scale it by `localBatch / globalBatch`, so that the sum over ranks is
///    the gradient of the *global* batch mean (what one process computes),
///    and sum it over the ranks: one `allReduceSum(_:scaledBy:)` over
///    ``Network/gradientRegion`` (the communicator may fuse the scaling into
///    its sum). Every parameter gradient lives in that one contiguous run of
///    the arena, so a step costs one collective call, not one per tensor;
/// 3. the optimizer's update, identical on every rank.
///
/// Same seed and same global batch give the same weights as one process up
/// to float rounding: one process sums each weight gradient over the batch
/// inside one matrix product, P ranks sum P partial products and then add
/// those (MPI adds in an order of its choosing). Ranks agree bit for bit,
/// because `MPI_Allreduce` hands every rank the same result.
///
/// Every rank shuffles the data with the same seed, so all see the same
/// global batches without sending data; rank `r` takes the `r`-th slice of
/// each (``shard(of:rank:size:)``). Layers with batch statistics
/// (BatchNorm) normalize over the local shard, as in other frameworks
/// without synchronized BatchNorm.
public final class DataParallelTrainer {
    public let network: Network
    public let communicator: any Communicator
    public let train: LabeledImages
    public let options: Trainer.Options
    public private(set) var globalStep = 0
    /// Seconds spent in the gradient all-reduce since the start (this rank).
    public private(set) var allReduceSeconds = 0.0
    private var rng: SeededGenerator
    private let order: UnsafeMutableBufferPointer<Int32>

    /// What one epoch did, summed over all ranks.
    public struct EpochReport: Sendable {
        public var epoch: Int
        /// Mean training loss over every sample of the epoch (all ranks).
        public var meanLoss: Float
        public var seconds: Double
        public var samplesPerSecond: Double
        /// Mean seconds per step in the gradient all-reduce (this rank).
        public var allReduceSecondsPerStep: Double
        public var steps: Int
        /// Steps whose replicas ran in turn on one thread (``ShardedTrainer``
        /// under contention); 0 elsewhere.
        public var serialSteps: Int = 0
    }

    /// - Parameters:
    ///   - network: built with the same spec, seed and optimizer on every rank;
    ///     its `maxBatch` must hold this rank's shard.
    ///   - communicator: this rank's view of the job.
    ///   - train: the whole training set, the same on every rank.
    ///   - options: `batchSize` is the *global* batch, split over the ranks.
    public init(network: Network, communicator: any Communicator, train: LabeledImages,
                options: Trainer.Options) throws {
        guard network.optimizer != nil else { throw TrainingError.invalidOption("data-parallel training needs a network with an optimizer") }
        guard options.epochs >= 1 else { throw TrainingError.invalidOption("epochs must be >= 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw TrainingError.invalidOption("batch size must be >= 1, got \(options.batchSize)") }
        guard options.batchSize <= train.count else {
            throw TrainingError.invalidOption("batch size \(options.batchSize) is larger than the training set (\(train.count) samples)")
        }
        let largestShard = Self.shard(of: options.batchSize, rank: 0, size: communicator.size).count
        guard largestShard <= network.maxBatch else {
            throw TrainingError.invalidOption("a rank's shard of \(largestShard) samples exceeds the network's buffers (\(network.maxBatch))")
        }
        guard train.sampleShape == network.spec.inputShape else {
            throw TrainingError.incompatibleData("\(train.source): samples are \(train.sampleShape), the network takes \(network.spec.inputShape)")
        }
        try train.validateLabels(classes: network.classes)
        try Self.checkGradientsAreContiguous(network)
        self.network = network
        self.communicator = communicator
        self.train = train
        self.options = options
        // The same stream as ``Trainer``'s, so one rank repeats plain training.
        rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F0D_A7A0_0DE5)
        order = .allocate(capacity: train.count)
        for i in 0..<train.count { order[i] = Int32(i) }
    }

    deinit { order.deallocate() }

    /// Samples `0..<globalBatch` split into `size` contiguous slices whose
    /// counts differ by at most one (the first `globalBatch % size` ranks take
    /// one more); a rank's slice is empty when `globalBatch < size`.
    public static func shard(of globalBatch: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(size >= 1 && rank >= 0 && rank < size && globalBatch >= 0, "shard: rank \(rank) of \(size)")
        let base = globalBatch / size
        let extra = globalBatch % size
        let start = rank * base + min(rank, extra)
        return start..<start + base + (rank < extra ? 1 : 0)
    }

    /// Throws unless every parameter's gradient lies inside
    /// ``Network/gradientRegion``: a gradient outside it would silently not
    /// be summed, and the ranks' weights would drift apart.
    public static func checkGradientsAreContiguous(_ network: Network) throws {
        let region = network.gradientRegion
        let lower = UInt(bitPattern: region.baseAddress)
        let upper = lower + UInt(region.count * MemoryLayout<Float>.stride)
        for p in network.parameters {
            let start = UInt(bitPattern: p.gradient.pointer)
            let end = start + UInt(p.gradient.count * MemoryLayout<Float>.stride)
            guard start >= lower, end <= upper else {
                throw TrainingError.invalidOption("parameter \(p.name)'s gradient is outside the network's gradient region (its layer must take it with Arena.allocateGradient): data-parallel training would not sum it")
            }
        }
    }

    /// Makes every rank's weights (and layer state) rank 0's. Call once
    /// before training: ranks seeded alike already agree, but this also
    /// covers weights loaded from a file by rank 0 only.
    public func broadcastInitialWeights() throws {
        for p in network.parameters {
            try communicator.broadcast(UnsafeMutableBufferPointer(start: p.value.pointer, count: p.value.count), root: 0)
        }
        for layer in network.layers {
            for state in layer.persistentState {
                try communicator.broadcast(UnsafeMutableBufferPointer(start: state.tensor.pointer, count: state.tensor.count), root: 0)
            }
        }
    }

    /// Steps in one epoch (the last global batch may be short).
    public var stepsPerEpoch: Int { (train.count + options.batchSize - 1) / options.batchSize }

    /// This rank's loss summed over its samples since ``beginEpoch()``.
    public private(set) var epochLossSum = 0.0

    /// Starts an epoch: the next order of the samples (the same on every
    /// rank) and a zero loss sum.
    public func beginEpoch() {
        rng.shuffle(order)
        epochLossSum = 0
    }

    /// Puts this rank's shard of the epoch's step `index` into the network's
    /// input and label buffers; returns its size and the global batch's.
    public func loadShard(step index: Int) -> (local: Int, global: Int) {
        loadShard(step: index, into: network)
    }

    /// The same, into another network's buffers (one with this network's
    /// input shape and a `maxBatch` that holds the shard), from row `row` on.
    public func loadShard(step index: Int, into target: Network, atRow row: Int = 0) -> (local: Int, global: Int) {
        precondition(index >= 0 && index < stepsPerEpoch, "DataParallelTrainer: step \(index) of \(stepsPerEpoch)")
        let start = index * options.batchSize
        let global = min(options.batchSize, train.count - start)
        let mine = Self.shard(of: global, rank: communicator.rank, size: communicator.size)
        precondition(row >= 0 && row + mine.count <= target.maxBatch && target.spec.inputShape == network.spec.inputShape,
                     "DataParallelTrainer: a shard of \(mine.count) at row \(row) does not fit the target network")
        if !mine.isEmpty {
            let pixels = target.inputBuffer.count / target.maxBatch
            let input = Tensor(pointer: target.inputBuffer.pointer + row * pixels, shape: Shape(mine.count * pixels))
            train.fillBatch(indices: UnsafeBufferPointer(rebasing: order[start + mine.lowerBound..<start + mine.upperBound]),
                            into: input, labels: UnsafeMutableBufferPointer(rebasing: target.labelBuffer[row...]), kernels: target.kernels)
        }
        return (mine.count, global)
    }

    /// Forward and backward on the loaded shard: the gradient of the local
    /// mean loss (zeros for an empty shard) in ``Network/gradientRegion``.
    /// Returns the local mean loss (0 for an empty shard) and the factor
    /// the gradient takes in the sum over ranks, `localBatch / globalBatch`.
    public func computeGradients(localBatch: Int, globalBatch: Int) -> (loss: Float, share: Float) {
        precondition(globalBatch > 0 && localBatch >= 0 && localBatch <= min(globalBatch, network.maxBatch),
                     "DataParallelTrainer: shard \(localBatch) of \(globalBatch)")
        guard localBatch > 0 else {
            network.gradientRegion.update(repeating: 0)
            return (0, 1)
        }
        let loss = network.loss(batch: localBatch, training: true)
        network.backward()
        return (loss, Float(localBatch) / Float(globalBatch))
    }

    /// The optimizer's update, once the gradients hold the sum over ranks.
    public func applyUpdate() {
        network.optimizer!.update(network.parameters)
        globalStep += 1
    }

    /// One synchronous step. The caller has put this rank's shard —
    /// `localBatch` samples, possibly none — in the network's input and
    /// label buffers. Returns the local mean loss (0 for an empty shard).
    public func step(localBatch: Int, globalBatch: Int) throws -> Float {
        let (loss, share) = computeGradients(localBatch: localBatch, globalBatch: globalBatch)
        let clock = Stopwatch()
        try communicator.allReduceSum(network.gradientRegion, scaledBy: share)
        allReduceSeconds += clock.elapsed
        applyUpdate()
        return loss
    }

    /// The epoch's step `index` on this rank: its shard, the step, and the
    /// loss checked and added to ``epochLossSum``.
    public func runStep(_ index: Int, epoch: Int) throws {
        let (local, global) = loadShard(step: index)
        let loss = try step(localBatch: local, globalBatch: global)
        try record(loss: loss, localBatch: local, epoch: epoch, step: globalStep)
    }

    /// Checks a shard's loss and adds it to ``epochLossSum``; `step` is the
    /// 1-based global step it belongs to, for the error.
    func record(loss: Float, localBatch: Int, epoch: Int, step: Int) throws {
        guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: loss) }
        epochLossSum += Double(loss) * Double(localBatch)
    }

    /// Counts a step whose update another rank's network made on this
    /// rank's behalf (``ShardedTrainer``'s steps on its first replica).
    func countStepUpdatedElsewhere() { globalStep += 1 }

    /// Adds time spent summing gradients on this rank's behalf (a thread
    /// that sums for every rank, ``ShardedTrainer``'s fallback).
    func addAllReduceSeconds(_ seconds: Double) { allReduceSeconds += seconds }

    /// One epoch over the training set in global batches of
    /// `options.batchSize`; the loss is averaged over all ranks' samples.
    /// - Parameters:
    ///   - epoch: the epoch's number, for error messages.
    ///   - onStep: called after every step with (step in epoch, steps per
    ///     epoch) on every rank; it may make collective calls (all ranks do).
    public func trainEpoch(epoch: Int, onStep: (Int, Int) throws -> Void = { _, _ in }) throws -> EpochReport {
        beginEpoch()
        let clock = Stopwatch()
        let reduceBefore = allReduceSeconds
        let steps = stepsPerEpoch
        for index in 0..<steps {
            try runStep(index, epoch: epoch)
            try onStep(index + 1, steps)
        }
        let seconds = clock.elapsed
        let totalLoss = try communicator.allReduceSum(epochLossSum)
        return EpochReport(epoch: epoch, meanLoss: Float(totalLoss / Double(train.count)), seconds: seconds,
                           samplesPerSecond: Double(train.count) / max(seconds, 1e-9),
                           allReduceSecondsPerStep: (allReduceSeconds - reduceBefore) / Double(max(steps, 1)),
                           steps: steps)
    }

    /// True when every rank holds bit-identical parameters: rank 0's are
    /// broadcast and compared, and the verdict is summed over the ranks.
    /// A check for tests and `--verify-sync`; it allocates a copy.
    public func weightsAgreeAcrossRanks() throws -> Bool {
        var mismatches = 0.0
        for p in network.parameters {
            let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: p.value.count)
            defer { copy.deallocate() }
            _ = copy.initialize(from: UnsafeBufferPointer(start: p.value.pointer, count: p.value.count))
            try communicator.broadcast(copy, root: 0)
            for i in 0..<copy.count where copy[i].bitPattern != p.value.pointer[i].bitPattern {
                mismatches += 1
                break
            }
        }
        return try communicator.allReduceSum(mismatches) == 0
    }

}
