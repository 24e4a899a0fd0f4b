import Dispatch
import Synchronization
import ScratchNetCore

/// One point of a search: an optimizer, an activation, a learning rate and
/// a weight decay to train with.
public struct Trial: Sendable, Equatable, Codable {
    /// 0-based, counted over all rounds.
    public var index: Int
    /// 0-based narrowing round.
    public var round: Int
    public var optimizer: OptimizerKind
    public var activation: ActivationKind
    public var learningRate: Double
    public var weightDecay: Double

    public init(index: Int, round: Int, optimizer: OptimizerKind = .sgd, activation: ActivationKind = .relu,
                learningRate: Double, weightDecay: Double) {
        self.index = index
        self.round = round
        self.optimizer = optimizer
        self.activation = activation
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// How a trial ended.
public struct TrialOutcome: Sendable, Equatable, Codable {
    public var trial: Trial
    /// Accuracy on the validation split after the last epoch (0 when it failed).
    public var validationAccuracy: Double
    public var trainAccuracy: Double
    public var finalLoss: Double
    public var seconds: Double
    /// Why the trial stopped early (divergence, bad option), else nil.
    public var failure: String?

    public init(trial: Trial, validationAccuracy: Double, trainAccuracy: Double, finalLoss: Double,
                seconds: Double, failure: String? = nil) {
        self.trial = trial
        self.validationAccuracy = validationAccuracy
        self.trainAccuracy = trainAccuracy
        self.finalLoss = finalLoss
        self.seconds = seconds
        self.failure = failure
    }

    /// Best first: completed before failed, then higher validation accuracy,
    /// then lower loss, then earlier trial (a total, deterministic order).
    public static func ranked(_ outcomes: [TrialOutcome]) -> [TrialOutcome] {
        outcomes.sorted { a, b in
            if (a.failure == nil) != (b.failure == nil) { return a.failure == nil }
            if a.validationAccuracy != b.validationAccuracy { return a.validationAccuracy > b.validationAccuracy }
            if a.finalLoss != b.finalLoss { return a.finalLoss < b.finalLoss }
            return a.trial.index < b.trial.index
        }
    }
}

/// Random search over optimizer, activation, learning rate and weight decay, in rounds.
///
/// The first trial of the first round is the space's ``SearchSpace/baseline``
/// (what training does without a search), unless `startsFromBaseline` is
/// false: a search's best is then never worse on the validation split than
/// not searching. Each round draws `trialsPerRound` points from the current
/// ``SearchSpace`` (a seeded stream, so a search is repeatable), trains
/// them, and narrows the space to the span of the best `keepBest` trials
/// so far for the next round. Trials of a round run on `concurrency`
/// workers at once; what a trial does is the caller's `train` closure
/// (``TrialTrainer`` trains in-process).
public struct HyperparameterSearch: Sendable {
    public var space: SearchSpace
    public var trialsPerRound: Int
    public var rounds: Int
    public var keepBest: Int
    public var seed: UInt64
    /// Trial 0 is the space's baseline rather than a random draw.
    public var startsFromBaseline: Bool

    /// What the search reports while it runs (called from worker threads).
    public enum Event: Sendable {
        case roundStarted(round: Int, space: SearchSpace)
        case trialStarted(Trial)
        case trialFinished(TrialOutcome, completed: Int, total: Int)
    }

    public init(space: SearchSpace = .book, trialsPerRound: Int, rounds: Int = 1, keepBest: Int = 3, seed: UInt64 = 0,
                startsFromBaseline: Bool = true) {
        precondition(trialsPerRound >= 1 && rounds >= 1 && keepBest >= 1,
                     "HyperparameterSearch: trials, rounds and keepBest must be >= 1")
        self.space = space
        self.trialsPerRound = trialsPerRound
        self.rounds = rounds
        self.keepBest = keepBest
        self.seed = seed
        self.startsFromBaseline = startsFromBaseline
    }

    /// The trials of one round, drawn from `space`.
    public func trials(round: Int, space: SearchSpace) -> [Trial] {
        // One stream per round, so round r's draws do not depend on timing.
        var rng = SeededGenerator(seed: seed &+ 0x7E57_0000 &+ UInt64(round) &* 0x9E37_79B9)
        return (0..<trialsPerRound).map { i in
            let point = round == 0 && i == 0 && startsFromBaseline ? space.baseline : space.sample(using: &rng)
            return Trial(index: round * trialsPerRound + i, round: round, optimizer: point.optimizer,
                         activation: point.activation, learningRate: point.learningRate, weightDecay: point.weightDecay)
        }
    }

    /// Runs every round and returns all outcomes, ranked best first.
    /// - Parameters:
    ///   - concurrency: trials trained at the same time (>= 1).
    ///   - train: trains one trial; must be safe to call from several threads.
    public func run(concurrency: Int,
                    train: @escaping @Sendable (Trial) -> TrialOutcome,
                    onEvent: @escaping @Sendable (Event) -> Void = { _ in }) -> [TrialOutcome] {
        precondition(concurrency >= 1, "HyperparameterSearch: concurrency must be >= 1")
        var all: [TrialOutcome] = []
        var current = space
        let total = trialsPerRound * rounds
        for round in 0..<rounds {
            if round > 0 { current = current.narrowed(toBest: all, keep: keepBest) }
            onEvent(.roundStarted(round: round, space: current))
            let batch = trials(round: round, space: current)
            let done = all.count
            let results = Self.runAll(batch, workers: concurrency) { trial, finishedInRound in
                onEvent(.trialStarted(trial))
                let outcome = train(trial)
                return outcome
            } onFinished: { outcome, finishedInRound in
                onEvent(.trialFinished(outcome, completed: done + finishedInRound, total: total))
            }
            all += results
        }
        return TrialOutcome.ranked(all)
    }

    /// Runs `trials` on `workers` threads, each worker taking the next
    /// untaken trial; results come back in trial order.
    static func runAll(_ trials: [Trial], workers: Int,
                       body: @escaping @Sendable (Trial, Int) -> TrialOutcome,
                       onFinished: @escaping @Sendable (TrialOutcome, Int) -> Void) -> [TrialOutcome] {
        struct State {
            var next = 0
            var finished = 0
            var results: [TrialOutcome?]
        }
        let state = Mutex(State(results: Array(repeating: nil, count: trials.count)))
        let width = max(1, min(workers, trials.count))
        DispatchQueue.concurrentPerform(iterations: width) { _ in
            while true {
                let i: Int? = state.withLock { s in
                    guard s.next < trials.count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let i else { return }
                let outcome = body(trials[i], i)
                let finished = state.withLock { s in
                    s.results[i] = outcome
                    s.finished += 1
                    return s.finished
                }
                onFinished(outcome, finished)
            }
        }
        return state.withLock { $0.results.map { $0! } }
    }
}
