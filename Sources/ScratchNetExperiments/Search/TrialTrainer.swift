import ScratchNetCore

/// Trains one search trial in-process and scores it on the validation split.
///
/// Everything a trial owns (network, arena, optimizer, trainer) is made
/// inside ``train(_:onEpoch:)`` on the calling thread, so several trials can train
/// at once on different threads. Each trial's network runs its kernels on
/// ``threads`` threads (1 for concurrent trials, all cores for one at a time).
public struct TrialTrainer: Sendable {
    public var spec: NetworkSpec
    public var train: LabeledImages
    public var validation: LabeledImages
    public var epochs: Int
    public var batchSize: Int
    /// Fixes initial weights and batch order; the same for every trial, so
    /// trials differ only by their hyperparameters.
    public var seed: UInt64
    public var backend: Backend
    /// The kernel threads of each trial's network.
    public var threads: Int
    /// Makes a trial's optimizer from its kind and learning rate (the kind's
    /// own, with the book's other hyperparameters, unless the caller says otherwise).
    public var makeOptimizer: @Sendable (OptimizerKind, Float) -> any Optimizer

    /// - Parameter spec: the architecture; each trial replaces its
    ///   activation layers by the trial's activation.
    public init(spec: NetworkSpec, train: LabeledImages, validation: LabeledImages, epochs: Int, batchSize: Int,
                seed: UInt64, backend: Backend = .fast, threads: Int = 1,
                makeOptimizer: @escaping @Sendable (OptimizerKind, Float) -> any Optimizer = { $0.make(learningRate: $1) }) {
        self.spec = spec
        self.train = train
        self.validation = validation
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.backend = backend
        self.threads = threads
        self.makeOptimizer = makeOptimizer
    }

    /// Trains `trial` for ``epochs`` epochs; a diverging or failing trial
    /// comes back with `failure` set instead of throwing, so a search goes on.
    public func train(_ trial: Trial, onEpoch: (Trainer.EpochReport) -> Void = { _ in }) -> TrialOutcome {
        let clock = Stopwatch()
        var trialSpec = trial.activation.replacingActivations(in: spec)
        trialSpec.weightDecay = Float(trial.weightDecay)
        do {
            let network = try Network(spec: trialSpec, maxBatch: batchSize, backend: backend,
                                      optimizer: makeOptimizer(trial.optimizer, Float(trial.learningRate)), seed: seed,
                                      threads: threads)
            let trainer = try Trainer(network: network, train: train, test: validation,
                                      options: .init(epochs: epochs, batchSize: batchSize, seed: seed))
            let history = try trainer.run(onEpoch: onEpoch)
            let last = history.last!
            return TrialOutcome(trial: trial, validationAccuracy: Double(last.testAccuracy ?? 0),
                                trainAccuracy: Double(last.trainAccuracy), finalLoss: Double(last.meanLoss),
                                seconds: clock.elapsed)
        } catch {
            return TrialOutcome(trial: trial, validationAccuracy: 0, trainAccuracy: 0, finalLoss: .infinity,
                                seconds: clock.elapsed, failure: "\(error)")
        }
    }
}
