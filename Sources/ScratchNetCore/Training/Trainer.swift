/// Mini-batch training of a ``Network`` on ``LabeledImages``, alone or as
/// one rank of a data-parallel job.
///
/// Each epoch visits every training sample once, in an order shuffled by the
/// seeded generator (the book's `Trainer` draws with replacement; a
/// permutation is the usual and better choice). The last batch of an epoch
/// may be smaller. Nothing here allocates per step: the order lives in a
/// buffer made once, and batches are converted into the network's arena.
///
/// A step is forward and backward on this rank's rows of the batch, the
/// ``GradientReduction``'s `reduce`, and the optimizer's update. Alone
/// (``LocalReduction``, the default) the rows are the whole batch and the
/// reduction does nothing. With `AllReduce` (ScratchNetDistributed) every rank makes the same
/// trainer (same seed, so the same data order), trains on its slice of each
/// global batch of `options.batchSize` samples, and the ranks sum their
/// gradients; epoch losses and accuracies are summed over the ranks too, each
/// rank evaluating its slice of the data.
public final class Trainer {
    public struct Options: Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var seed: UInt64
        /// A step loss above this counts as diverged, like NaN or infinity.
        /// Why: a huge learning rate can kill every ReLU and leave a loss of
        /// 1e20 that stays finite forever; a mean cross-entropy of 10⁴ nats
        /// (the right class at probability e^-10000) is no training run.
        public var divergenceLoss: Float
        /// Let a ``ThreadGovernor`` run steps on 1 thread when that is
        /// faster than ``Network/threads`` (a busy machine). The weights
        /// do not depend on it: the kernels give the same sums on any count.
        public var adaptiveThreads: Bool
        /// How the optimizer's learning rate (its value when the trainer is
        /// made is the base rate) changes over the `epochs`.
        public var schedule: LearningRateSchedule
        /// Random flips and shifts of the training images (none by default).
        public var augmentation: Augmentation
        /// How many training samples the per-epoch train accuracy scores
        /// (the book's `evaluate_sample_num_per_epoch`): nil, or a count not
        /// below the training set, scores all of them. The sample is drawn
        /// once from `seed`, so it is the same every run and every epoch.
        /// Why: scoring all 60,000 images after every epoch is a large part
        /// of a run's wall time, and 10,000 give it with a standard error of at most 0.5 %.
        public var trainAccuracySamples: Int?
        /// Label smoothing ε of the training loss (see ``SoftmaxWithLoss/labelSmoothing``); 0 for none.
        public var labelSmoothing: Float = 0
        /// Score the per-epoch test accuracy by the flip-averaged softmax (``FlipAveraging``).
        public var testTimeFlip = false
        public init(epochs: Int = 10, batchSize: Int = 100, seed: UInt64 = 0, divergenceLoss: Float = 1e4,
                    adaptiveThreads: Bool = true, schedule: LearningRateSchedule = .constant,
                    augmentation: Augmentation = .none, trainAccuracySamples: Int? = nil) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.seed = seed
            self.divergenceLoss = divergenceLoss
            self.adaptiveThreads = adaptiveThreads
            self.schedule = schedule
            self.augmentation = augmentation
            self.trainAccuracySamples = trainAccuracySamples
        }
    }

    /// Reported after every step (the CLI draws its progress bar from it).
    public struct StepProgress {
        public var epoch: Int
        public var stepInEpoch: Int
        public var stepsPerEpoch: Int
        /// The epoch's running mean loss so far (on a rank of several, its
        /// own slices' part of it: the epoch's report sums the ranks).
        public var loss: Float
        /// This step's loss alone (on a rank of several, its share, as in `loss`):
        /// what a log of step intervals averages.
        public var stepLoss: Float
        public var samplesPerSecond: Double
    }

    /// Reported after every epoch.
    public struct EpochReport: Sendable, Codable {
        public var epoch: Int
        public var meanLoss: Float
        public var trainAccuracy: Float
        public var testAccuracy: Float?
        public var trainSeconds: Double
        public var samplesPerSecond: Double
    }

    public let network: Network
    public let train: LabeledImages
    public let test: LabeledImages?
    public let options: Options
    /// What happens to the gradients between backward and the update.
    public let reduction: any GradientReduction
    public private(set) var rng: SeededGenerator
    /// Steps taken since the start.
    public private(set) var globalStep = 0
    public private(set) var history: [EpochReport] = []
    private let order: UnsafeMutableBufferPointer<Int32>
    /// One transform per batch row, drawn each step when augmenting.
    private let transforms: UnsafeMutableBufferPointer<ImageTransform>
    /// The training samples the per-epoch train accuracy scores, ascending
    /// (nil: all of them); see ``Options/trainAccuracySamples``.
    public let trainAccuracySample: [Int32]?
    /// The optimizer's learning rate when the trainer was made; the
    /// schedule scales it.
    public let baseLearningRate: Float
    /// Kept across epochs so its probes keep their spacing.
    private var governor: ThreadGovernor?

    /// Where a run stands between two steps: enough, with the data order,
    /// the generators and the weights, to continue it exactly (checkpoints).
    public struct Position: Equatable, Sendable {
        /// The epoch in progress, from 1 (after epoch e ends: e + 1, step 0).
        public var epoch: Int
        /// Steps of `epoch` already taken; 0 means its order is not drawn yet.
        public var stepInEpoch: Int
        /// Sum of the losses of those steps (for the epoch's mean loss); on a
        /// rank of several, of its slices' losses each times its share of the
        /// batch, so that the sum over ranks is the steps' losses.
        public var lossSum: Double
        public init(epoch: Int, stepInEpoch: Int, lossSum: Double) {
            self.epoch = epoch
            self.stepInEpoch = stepInEpoch
            self.lossSum = lossSum
        }
    }
    public private(set) var position = Position(epoch: 1, stepInEpoch: 0, lossSum: 0)
    /// True when the last ``run(onStep:onEpoch:afterStep:afterEpoch:)`` was
    /// stopped by a callback before its last epoch ended.
    public private(set) var stoppedEarly = false

    /// The current epoch's sample order (the permutation being walked).
    public var epochOrder: [Int32] { Array(order) }

    /// - Parameters:
    ///   - network: on every rank built with the same spec, seed and
    ///     optimizer; its `maxBatch` must hold this rank's rows of a batch.
    ///   - train: the whole training set (the same on every rank).
    ///   - options: `batchSize` is the global batch, split over the ranks.
    ///   - reduction: ``LocalReduction`` to train alone; `AllReduce` as one
    ///     rank of a data-parallel job (making the trainer is then a
    ///     collective call: every rank's weights become rank 0's).
    public init(network: Network, train: LabeledImages, test: LabeledImages?, options: Options,
                reduction: any GradientReduction = LocalReduction()) throws {
        guard options.epochs >= 1 else { throw TrainingError.invalidOption("epochs must be >= 1, got \(options.epochs)") }
        guard options.epochs <= Self.maximumEpochs else {
            throw TrainingError.invalidOption("epochs must be at most \(Self.maximumEpochs), got \(options.epochs)")
        }
        guard options.batchSize >= 1 else { throw TrainingError.invalidOption("batch size must be >= 1, got \(options.batchSize)") }
        guard network.optimizer != nil else { throw TrainingError.invalidOption("training needs a network with an optimizer") }
        guard train.count > 0 else { throw DataError.empty(path: train.source) }
        if let samples = options.trainAccuracySamples, samples < 1 {
            throw TrainingError.invalidOption("train accuracy samples must be >= 1, got \(samples)")
        }
        guard options.batchSize <= train.count else {
            throw TrainingError.invalidOption("batch size \(options.batchSize) is larger than the training set (\(train.count) samples)")
        }
        let largestSlice = reduction.rows(ofBatch: options.batchSize).count
        guard largestSlice <= network.maxBatch else {
            throw TrainingError.invalidOption(reduction.size == 1
                ? "batch size \(options.batchSize) exceeds the network's buffers (\(network.maxBatch))"
                : "rank \(reduction.rank)'s slice of \(largestSlice) samples exceeds the network's buffers (\(network.maxBatch))")
        }
        for data in [train] + (test.map { [$0] } ?? []) {
            guard data.sampleShape == network.spec.inputShape else {
                throw TrainingError.incompatibleData("\(data.source): samples are \(data.sampleShape), the network takes \(network.spec.inputShape)")
            }
            try data.validateLabels(classes: network.classes)
        }
        // Every step index of the run (and the schedule's total) must fit.
        let steps = (train.count + options.batchSize - 1) / options.batchSize
        guard (try? CheckedSize.product([options.epochs, steps], field: "steps", source: "options", limit: Self.maximumSteps)) != nil else {
            throw TrainingError.invalidOption("\(options.epochs) epochs of \(steps) steps exceed \(Self.maximumSteps) steps")
        }
        self.network = network
        self.train = train
        self.test = test
        self.options = options
        self.reduction = reduction
        // The data order has its own stream so it does not depend on how
        // many numbers weight initialization drew.
        self.rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F0D_A7A0_0DE5)
        if !options.augmentation.isNone {
            guard train.sampleShape.count == 3, options.augmentation.maxShift < min(train.sampleShape[1], train.sampleShape[2]) else {
                throw TrainingError.invalidOption("augmentation \(options.augmentation) needs images (channels, rows, cols) larger than the shift; samples are \(train.sampleShape)")
            }
        }
        order = .allocate(capacity: train.count)
        for i in 0..<train.count { order[i] = Int32(i) }
        transforms = .allocate(capacity: options.batchSize)
        transforms.initialize(repeating: ImageTransform())
        trainAccuracySample = options.trainAccuracySamples.flatMap {
            Self.drawSample(count: $0, of: train.count, seed: options.seed)
        }
        baseLearningRate = network.optimizer?.learningRate ?? 0
        guard options.labelSmoothing >= 0, options.labelSmoothing < 1 else {
            throw TrainingError.invalidOption("label smoothing must be in [0, 1), got \(options.labelSmoothing)")
        }
        if options.testTimeFlip, let test, test.sampleShape.count != 3 {
            throw TrainingError.invalidOption("test-time flips need images (channels, rows, cols); samples are \(test.sampleShape)")
        }
        network.head.labelSmoothing = options.labelSmoothing
        try reduction.prepare(network)
    }

    /// `count` distinct indices of `0..<total`, ascending, drawn from
    /// `seed` alone (its own stream: neither the data order nor a resumed
    /// run's generators change it); nil when `count` covers them all.
    public static func drawSample(count: Int, of total: Int, seed: UInt64) -> [Int32]? {
        guard count < total else { return nil }
        var rng = SeededGenerator(seed: seed ^ 0xE7A1_5A3B_1E5E_ED01)
        var indices = (0..<total).map(Int32.init)
        // The first `count` steps of a Fisher–Yates shuffle.
        for i in 0..<count { indices.swapAt(i, i + rng.nextInt(below: total - i)) }
        return indices[0..<count].sorted()
    }

    /// The most epochs a run may ask for: far beyond any real run, small
    /// enough that step counts stay exact in every type they meet.
    public static let maximumEpochs = 1_000_000
    /// The most steps a run (epochs × steps per epoch) may take: exact as a
    /// `Double` (schedules divide by it) and far from `Int.max`.
    public static let maximumSteps = 1 << 52

    deinit {
        order.deallocate()
        transforms.deallocate()
    }

    /// The learning rate of the step with index `step` (0-based) under the
    /// schedule.
    public func learningRate(atStep step: Int) -> Float {
        options.schedule.rate(base: baseLearningRate, step: step, totalSteps: options.epochs * stepsPerEpoch,
                              stepsPerEpoch: stepsPerEpoch)
    }

    public var stepsPerEpoch: Int { (train.count + options.batchSize - 1) / options.batchSize }

    /// One epoch of shuffled mini-batches; returns the mean loss. Continues
    /// the epoch in progress when a checkpoint restored one mid-way.
    public func trainEpoch(epoch: Int, onStep: (StepProgress) -> Void = { _ in }) throws -> (meanLoss: Float, seconds: Double) {
        let clock = Stopwatch()
        _ = try trainSteps(epoch: epoch, onStep: onStep, afterStep: { _ in true })
        return try finishEpoch(seconds: clock.elapsed)
    }

    /// Steps through the rest of the epoch in progress; returns false when
    /// `afterStep` asked to stop (the position then says where).
    private func trainSteps(epoch: Int, onStep: (StepProgress) -> Void,
                            afterStep: (Trainer) throws -> Bool) throws -> Bool {
        if position.stepInEpoch == 0 {
            rng.shuffle(order)
            position.lossSum = 0
        }
        let clock = Stopwatch()
        var start = min(position.stepInEpoch * options.batchSize, train.count)
        let firstStart = start
        let threads = options.adaptiveThreads ? network.threads : 1
        if governor?.configured != threads { governor = ThreadGovernor(configured: threads) }
        defer { if threads > 1 { network.threads = governor!.finish() } }
        let optimizer = network.optimizer!
        while start < train.count {
            let global = min(options.batchSize, train.count - start)
            let rows = reduction.rows(ofBatch: global)
            let n = rows.count
            if threads > 1 { network.threads = governor!.beginStep(now: Stopwatch.now()) }
            let indices = UnsafeBufferPointer(rebasing: order[start + rows.lowerBound..<start + rows.upperBound])
            if n == 0 {
                // A global batch smaller than the ranks: this one only sums.
            } else if options.augmentation.isNone {
                train.fillBatch(indices: indices, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
            } else {
                for row in 0..<n {
                    transforms[row] = options.augmentation.transform(seed: options.seed, step: globalStep,
                                                                     row: rows.lowerBound + row)
                }
                train.fillBatch(indices: indices, transforms: UnsafeBufferPointer(transforms),
                                into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
            }
            optimizer.learningRate = learningRate(atStep: globalStep)
            var loss: Float = 0
            if n > 0 {
                loss = network.loss(batch: n, training: true)
                network.backward()
            }
            try reduction.reduce(network, localBatch: n, globalBatch: global)
            optimizer.update(network.parameters)
            governor!.endStep(now: Stopwatch.now())
            globalStep += 1
            guard loss.isFinite, loss <= options.divergenceLoss else {
                throw TrainingError.nonFiniteLoss(epoch: epoch, step: globalStep, loss: loss)
            }
            position.stepInEpoch += 1
            let share = n == global ? Double(loss) : Double(loss) * Double(n) / Double(global)
            position.lossSum += share
            start += global
            onStep(StepProgress(epoch: epoch, stepInEpoch: position.stepInEpoch, stepsPerEpoch: stepsPerEpoch,
                                loss: Float(position.lossSum / Double(position.stepInEpoch)), stepLoss: Float(share),
                                samplesPerSecond: Double(start - firstStart) / max(clock.elapsed, 1e-9)))
            if try !afterStep(self) { return false }
        }
        return true
    }

    /// Closes the epoch in progress: its mean loss (over all ranks), and the
    /// position moved on.
    private func finishEpoch(seconds: Double) throws -> (meanLoss: Float, seconds: Double) {
        let mean = Float(try reduction.sum(position.lossSum) / Double(max(position.stepInEpoch, 1)))
        position = Position(epoch: position.epoch + 1, stepInEpoch: 0, lossSum: 0)
        return (mean, seconds)
    }

    /// Puts the run back where a checkpoint left it. The network's weights
    /// and optimizer state are restored separately (see ``Checkpoint``).
    /// - Throws: ``TrainingError/incompatibleData(_:)`` when `order` is not a
    ///   permutation of this training set.
    public func restore(position: Position, globalStep: Int, order: [Int32], rng: SeededGenerator,
                        history: [EpochReport]) throws {
        guard order.count == train.count else {
            throw TrainingError.incompatibleData("the checkpoint's data order has \(order.count) samples, the training set \(train.count)")
        }
        var seen = [Bool](repeating: false, count: train.count)
        for i in order {
            guard i >= 0, Int(i) < train.count, !seen[Int(i)] else {
                throw TrainingError.incompatibleData("the checkpoint's data order is not a permutation of the \(train.count) training samples")
            }
            seen[Int(i)] = true
        }
        guard position.epoch >= 1, position.epoch <= Self.maximumEpochs + 1, position.stepInEpoch >= 0,
              position.stepInEpoch <= stepsPerEpoch, globalStep >= 0 else {
            throw TrainingError.incompatibleData("the checkpoint's position (epoch \(position.epoch), step \(position.stepInEpoch) of \(stepsPerEpoch)) does not fit this run")
        }
        // Each epoch takes stepsPerEpoch steps, so the counters determine
        // each other; a file where they disagree was edited or corrupted.
        let expected = (position.epoch - 1) * stepsPerEpoch + position.stepInEpoch
        guard globalStep == expected else {
            throw TrainingError.incompatibleData("the checkpoint's global step \(globalStep) does not match epoch \(position.epoch), step \(position.stepInEpoch) of \(stepsPerEpoch) (expected \(expected))")
        }
        guard history.count <= position.epoch - 1 else {
            throw TrainingError.incompatibleData("the checkpoint has \(history.count) epoch reports but is in epoch \(position.epoch)")
        }
        guard position.lossSum.isFinite, position.stepInEpoch > 0 || position.lossSum == 0 else {
            throw TrainingError.incompatibleData("the checkpoint's loss sum \(position.lossSum) does not fit step \(position.stepInEpoch)")
        }
        guard SeededGenerator.isValid(rng.state) else {
            throw TrainingError.incompatibleData("the checkpoint's data-order generator state is all zeros")
        }
        for (i, v) in order.enumerated() { self.order[i] = v }
        self.position = position
        self.globalStep = globalStep
        self.rng = rng
        self.history = history
    }

    /// Fraction of `data` the network classifies correctly (inference mode).
    public func accuracy(on data: LabeledImages) -> Float {
        Self.accuracy(of: network, on: data)
    }

    /// The same over all ranks: each classifies its slice of `data` and the
    /// correct counts are summed.
    private func accuracyOverRanks(on data: LabeledImages, flipAveraged: Bool = false) throws -> Float {
        let rows = reduction.rows(ofBatch: data.count)
        let count = flipAveraged ? FlipAveraging.correctCount(of: network, on: data, rows: rows)
                                 : Self.correctCount(of: network, on: data, rows: rows)
        let correct = try reduction.sum(Double(count))
        return data.count == 0 ? 0 : Float(correct) / Float(data.count)
    }

    /// Fraction of `data` that `network` classifies correctly, in batches of
    /// its largest batch size; every sample counts (no remainder dropped).
    public static func accuracy(of network: Network, on data: LabeledImages) -> Float {
        let correct = correctCount(of: network, on: data, rows: 0..<data.count)
        return data.count == 0 ? 0 : Float(correct) / Float(data.count)
    }

    /// Train accuracy over all ranks: on ``trainAccuracySample`` when there
    /// is one (each rank scores its slice of it), else on the whole set.
    private func trainAccuracyOverRanks() throws -> Float {
        guard let sample = trainAccuracySample else { return try accuracyOverRanks(on: train) }
        let rows = reduction.rows(ofBatch: sample.count)
        let correct = sample.withUnsafeBufferPointer {
            Self.correctCount(of: network, on: train, indices: UnsafeBufferPointer(rebasing: $0[rows]))
        }
        return Float(try reduction.sum(Double(correct))) / Float(sample.count)
    }

    /// How many of the samples of `data` at `indices` the network classifies
    /// correctly, in batches of its largest batch size; allocates nothing.
    public static func correctCount(of network: Network, on data: LabeledImages, indices: UnsafeBufferPointer<Int32>) -> Int {
        var correct = 0
        var start = 0
        while start < indices.count {
            let n = min(network.maxBatch, indices.count - start)
            data.fillBatch(indices: UnsafeBufferPointer(rebasing: indices[start..<start + n]), into: network.inputBuffer,
                           labels: network.labelBuffer, kernels: network.kernels)
            correct += network.correctCount(batch: n)
            start += n
        }
        return correct
    }

    /// How many samples of `rows` of `data` the network classifies correctly.
    private static func correctCount(of network: Network, on data: LabeledImages, rows: Range<Int>) -> Int {
        var correct = 0
        var start = rows.lowerBound
        while start < rows.upperBound {
            let n = min(network.maxBatch, rows.upperBound - start)
            correct += network.correctCount(on: data, start: start, count: n)
            start += n
        }
        return correct
    }

    /// Trains until `options.epochs` epochs are done (continuing from the
    /// current position), evaluating after each.
    /// - Parameters:
    ///   - afterStep: called after every step; return false to stop (the
    ///     run can be resumed from a checkpoint taken there).
    ///   - afterEpoch: called after every epoch's report; false stops.
    public func run(onStep: (StepProgress) -> Void = { _ in },
                    onEpoch: (EpochReport) -> Void = { _ in },
                    afterStep: (Trainer) throws -> Bool = { _ in true },
                    afterEpoch: (Trainer) throws -> Bool = { _ in true }) throws -> [EpochReport] {
        stoppedEarly = false
        while position.epoch <= options.epochs {
            let epoch = position.epoch
            let clock = Stopwatch()
            guard try trainSteps(epoch: epoch, onStep: onStep, afterStep: afterStep) else {
                stoppedEarly = true
                return history
            }
            let (loss, seconds) = try finishEpoch(seconds: clock.elapsed)
            let report = EpochReport(epoch: epoch, meanLoss: loss,
                                     trainAccuracy: try trainAccuracyOverRanks(),
                                     testAccuracy: try test.map { try accuracyOverRanks(on: $0, flipAveraged: options.testTimeFlip) },
                                     trainSeconds: seconds,
                                     samplesPerSecond: Double(train.count) / max(seconds, 1e-9))
            history.append(report)
            onEpoch(report)
            if try !afterEpoch(self), position.epoch <= options.epochs {
                stoppedEarly = true
                return history
            }
        }
        return history
    }
}
