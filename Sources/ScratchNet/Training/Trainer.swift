/// Mini-batch training of a ``Network`` on ``LabeledImages``.
///
/// Each epoch visits every training sample once, in an order shuffled by the
/// seeded generator (the book's `Trainer` draws with replacement; a
/// permutation is the usual and better choice). The last batch of an epoch
/// may be smaller. Nothing here allocates per step: the order lives in a
/// buffer made once, and batches are converted into the network's arena.
public final class Trainer {
    public struct Options: Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var seed: UInt64
        public init(epochs: Int = 10, batchSize: Int = 100, seed: UInt64 = 0) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.seed = seed
        }
    }

    /// Reported after every step (the CLI draws its progress bar from it).
    public struct StepProgress {
        public var epoch: Int
        public var stepInEpoch: Int
        public var stepsPerEpoch: Int
        public var loss: Float
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
    public private(set) var rng: SeededGenerator
    /// Steps taken since the start.
    public private(set) var globalStep = 0
    public private(set) var history: [EpochReport] = []
    private let order: UnsafeMutableBufferPointer<Int32>

    public init(network: Network, train: LabeledImages, test: LabeledImages?, options: Options) throws {
        guard options.epochs >= 1 else { throw TrainingError.invalidOption("epochs must be >= 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw TrainingError.invalidOption("batch size must be >= 1, got \(options.batchSize)") }
        guard options.batchSize <= network.maxBatch else {
            throw TrainingError.invalidOption("batch size \(options.batchSize) exceeds the network's buffers (\(network.maxBatch))")
        }
        guard train.count > 0 else { throw DataError.empty(path: train.source) }
        guard options.batchSize <= train.count else {
            throw TrainingError.invalidOption("batch size \(options.batchSize) is larger than the training set (\(train.count) samples)")
        }
        for data in [train] + (test.map { [$0] } ?? []) {
            guard data.sampleShape == network.spec.inputShape else {
                throw TrainingError.incompatibleData("\(data.source): samples are \(data.sampleShape), the network takes \(network.spec.inputShape)")
            }
            try data.validateLabels(classes: network.classes)
        }
        self.network = network
        self.train = train
        self.test = test
        self.options = options
        // The data order has its own stream so it does not depend on how
        // many numbers weight initialization drew.
        self.rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F0D_A7A0_0DE5)
        order = .allocate(capacity: train.count)
        for i in 0..<train.count { order[i] = Int32(i) }
    }

    deinit { order.deallocate() }

    public var stepsPerEpoch: Int { (train.count + options.batchSize - 1) / options.batchSize }

    /// One epoch of shuffled mini-batches; returns the mean loss.
    public func trainEpoch(epoch: Int, onStep: (StepProgress) -> Void = { _ in }) throws -> (meanLoss: Float, seconds: Double) {
        rng.shuffle(order)
        var total: Double = 0
        let clock = Stopwatch()
        var start = 0
        var stepInEpoch = 0
        while start < train.count {
            let n = min(options.batchSize, train.count - start)
            train.fillBatch(indices: UnsafeBufferPointer(rebasing: order[start..<start + n]),
                            into: network.inputBuffer, labels: network.labelBuffer)
            let loss = network.trainStep(batch: n)
            globalStep += 1
            stepInEpoch += 1
            guard loss.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: epoch, step: globalStep, loss: loss)
            }
            total += Double(loss)
            start += n
            onStep(StepProgress(epoch: epoch, stepInEpoch: stepInEpoch, stepsPerEpoch: stepsPerEpoch,
                                loss: Float(total / Double(stepInEpoch)),
                                samplesPerSecond: Double(start) / max(clock.elapsed, 1e-9)))
        }
        return (Float(total / Double(stepInEpoch)), clock.elapsed)
    }

    /// Fraction of `data` the network classifies correctly (inference mode).
    public func accuracy(on data: LabeledImages) -> Float {
        Self.accuracy(of: network, on: data)
    }

    /// Fraction of `data` that `network` classifies correctly, in batches of
    /// its largest batch size; every sample counts (no remainder dropped).
    public static func accuracy(of network: Network, on data: LabeledImages) -> Float {
        var correct = 0
        var start = 0
        while start < data.count {
            let n = min(network.maxBatch, data.count - start)
            data.fillBatch(start: start, count: n, into: network.inputBuffer, labels: network.labelBuffer)
            correct += network.correctCount(batch: n)
            start += n
        }
        return data.count == 0 ? 0 : Float(correct) / Float(data.count)
    }

    /// Trains for `options.epochs` epochs, evaluating after each.
    public func run(onStep: (StepProgress) -> Void = { _ in },
                    onEpoch: (EpochReport) -> Void = { _ in }) throws -> [EpochReport] {
        for epoch in 1...options.epochs {
            let (loss, seconds) = try trainEpoch(epoch: epoch, onStep: onStep)
            let report = EpochReport(epoch: epoch, meanLoss: loss,
                                     trainAccuracy: accuracy(on: train),
                                     testAccuracy: test.map { accuracy(on: $0) },
                                     trainSeconds: seconds,
                                     samplesPerSecond: Double(train.count) / max(seconds, 1e-9))
            history.append(report)
            onEpoch(report)
        }
        return history
    }
}
