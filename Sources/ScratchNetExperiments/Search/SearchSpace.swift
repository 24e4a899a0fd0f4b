import ScratchNetCore

/// A range of positive values sampled uniformly in log10 space: 10^U(a, b).
///
/// Learning rates and weight decays matter by orders of magnitude, so the
/// book's `hyperparameter_optimization.py` draws their exponents uniformly.
public struct LogUniformRange: Sendable, Equatable, Codable, CustomStringConvertible {
    public var lowerExponent: Double
    public var upperExponent: Double

    /// - Precondition: `lowerExponent <= upperExponent`, both finite.
    public init(_ lowerExponent: Double, _ upperExponent: Double) {
        precondition(lowerExponent.isFinite && upperExponent.isFinite && lowerExponent <= upperExponent,
                     "LogUniformRange: need finite lower <= upper, got \(lowerExponent)...\(upperExponent)")
        self.lowerExponent = lowerExponent
        self.upperExponent = upperExponent
    }

    /// Parses "-6,-2" (exponents) or "1e-6:1e-2" (values).
    public init?(argument: String) {
        if argument.contains(":") {
            let parts = argument.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] >= parts[0], parts[1].isFinite else { return nil }
            self.init(log10(parts[0]), log10(parts[1]))
        } else {
            let parts = argument.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2, parts[0].isFinite, parts[1].isFinite, parts[0] <= parts[1] else { return nil }
            self.init(parts[0], parts[1])
        }
    }

    public var lowerBound: Double { pow10(lowerExponent) }
    public var upperBound: Double { pow10(upperExponent) }
    /// Width in decades.
    public var width: Double { upperExponent - lowerExponent }

    public func sample(using rng: inout SeededGenerator) -> Double {
        pow10(lowerExponent + (upperExponent - lowerExponent) * rng.nextUniform())
    }

    public func contains(_ value: Double) -> Bool {
        guard value > 0 else { return false }
        let e = log10(value)
        // A rounding slack of 1e-9 decades at the ends.
        return e >= lowerExponent - 1e-9 && e <= upperExponent + 1e-9
    }

    /// The smallest range holding `values` (each > 0), at least
    /// `minimumWidth` decades wide (centred on them), clipped to `self`.
    public func spanning(_ values: [Double], minimumWidth: Double) -> LogUniformRange {
        precondition(!values.isEmpty && values.allSatisfy { $0 > 0 }, "LogUniformRange.spanning: need positive values")
        let exps = values.map(log10)
        var lo = exps.min()!, hi = exps.max()!
        if hi - lo < minimumWidth {
            let mid = (lo + hi) / 2
            lo = mid - minimumWidth / 2
            hi = mid + minimumWidth / 2
        }
        lo = max(lo, lowerExponent)
        hi = min(hi, upperExponent)
        return LogUniformRange(min(lo, hi), max(lo, hi))
    }

    public var description: String {
        "10^[\(Self.short(lowerExponent)), \(Self.short(upperExponent))]"
    }

    static func short(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? "\(Int(r))" : "\(r)"
    }
}

/// What a search varies: the optimizer, the activation, the learning rate
/// (a range per optimizer, since their good rates lie decades apart) and
/// the L2 weight decay.
public struct SearchSpace: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Drawn uniformly; never empty.
    public var optimizers: [OptimizerKind]
    /// Drawn uniformly; never empty.
    public var activations: [ActivationKind]
    /// The learning-rate range of each optimizer in ``optimizers``.
    public var learningRates: [OptimizerKind: LogUniformRange]
    public var weightDecay: LogUniformRange

    /// The learning rate each optimizer trains with unless told: 0.1 for
    /// SGD (`scratchnet train`'s default), the book's defaults for the others.
    public static func defaultLearningRate(for optimizer: OptimizerKind) -> Double {
        // Through its shortest decimal form: Float(0.001) widened directly
        // is 0.0010000000474…, whose log10 is not −3.
        optimizer == .sgd ? 0.1 : Double(String(describing: optimizer.defaultLearningRate)) ?? Double(optimizer.defaultLearningRate)
    }

    /// Three decades below an optimizer's default to one above it
    /// (SGD: 1e-4...1, Adam: 1e-6...1e-2): the default is always a
    /// candidate, and so are the rates a short search tends to prefer.
    public static func defaultLearningRateRange(for optimizer: OptimizerKind) -> LogUniformRange {
        let centre = log10(defaultLearningRate(for: optimizer))
        return LogUniformRange(centre - 3, centre + 1)
    }

    /// The book's search: SGD with ReLU, lr 10^[−6, −2], weight decay 10^[−8, −4].
    public static let book = SearchSpace(optimizers: [.sgd], activations: [.relu],
                                         learningRate: LogUniformRange(-6, -2), weightDecay: LogUniformRange(-8, -4))

    /// - Parameters:
    ///   - learningRate: one range for every optimizer; nil gives each its
    ///     ``defaultLearningRateRange(for:)``.
    /// - Precondition: `optimizers` and `activations` are not empty.
    public init(optimizers: [OptimizerKind] = OptimizerKind.allCases, activations: [ActivationKind] = ActivationKind.allCases,
                learningRate: LogUniformRange? = nil, weightDecay: LogUniformRange = LogUniformRange(-8, -4)) {
        precondition(!optimizers.isEmpty && !activations.isEmpty, "SearchSpace: need at least one optimizer and one activation")
        self.optimizers = Self.unique(optimizers)
        self.activations = Self.unique(activations)
        self.learningRates = Dictionary(uniqueKeysWithValues: self.optimizers.map { ($0, learningRate ?? Self.defaultLearningRateRange(for: $0)) })
        self.weightDecay = weightDecay
    }

    /// The learning-rate range of `optimizer` (its default range when the
    /// space does not hold it).
    public func learningRate(for optimizer: OptimizerKind) -> LogUniformRange {
        learningRates[optimizer] ?? Self.defaultLearningRateRange(for: optimizer)
    }

    /// The point a training run takes without a search: the first
    /// optimizer at its default rate (clipped into its range), the first
    /// activation, the smallest weight decay (training's default is none).
    public var baseline: (optimizer: OptimizerKind, activation: ActivationKind, learningRate: Double, weightDecay: Double) {
        let optimizer = optimizers[0]
        let range = learningRate(for: optimizer)
        let lr = min(max(Self.defaultLearningRate(for: optimizer), range.lowerBound), range.upperBound)
        return (optimizer, activations[0], lr, weightDecay.lowerBound)
    }

    /// One point: optimizer, activation, its learning rate, weight decay,
    /// drawn in that order from `rng`.
    public func sample(using rng: inout SeededGenerator) -> (optimizer: OptimizerKind, activation: ActivationKind,
                                                          learningRate: Double, weightDecay: Double) {
        let optimizer = Self.pick(optimizers, using: &rng)
        let activation = Self.pick(activations, using: &rng)
        let lr = learningRate(for: optimizer).sample(using: &rng)
        return (optimizer, activation, lr, weightDecay.sample(using: &rng))
    }

    /// The next round's space: the optimizers and activations of the `keep`
    /// best trials (by validation accuracy), and for each kept optimizer the
    /// learning-rate range spanned by its best trials, inside the current
    /// one. A span narrower than a tenth of a decade is widened to that, so a
    /// round is never a single point.
    public func narrowed(toBest outcomes: [TrialOutcome], keep: Int) -> SearchSpace {
        precondition(keep >= 1, "SearchSpace.narrowed: keep must be >= 1")
        let best = TrialOutcome.ranked(outcomes).filter { $0.failure == nil }.prefix(keep)
        guard !best.isEmpty else { return self }
        var next = self
        next.optimizers = optimizers.filter { o in best.contains { $0.trial.optimizer == o } }
        next.activations = activations.filter { a in best.contains { $0.trial.activation == a } }
        // Trials from outside the space (a caller's own) keep the space as it was.
        if next.optimizers.isEmpty { next.optimizers = optimizers }
        if next.activations.isEmpty { next.activations = activations }
        next.learningRates = [:]
        for optimizer in next.optimizers {
            let rates = best.filter { $0.trial.optimizer == optimizer }.map(\.trial.learningRate)
            let range = learningRate(for: optimizer)
            next.learningRates[optimizer] = rates.isEmpty ? range : range.spanning(rates, minimumWidth: 0.1)
        }
        next.weightDecay = weightDecay.spanning(best.map(\.trial.weightDecay), minimumWidth: 0.1)
        return next
    }

    public var description: String {
        let rates = optimizers.map { "\($0.rawValue) lr \(learningRate(for: $0))" }.joined(separator: ", ")
        return "\(rates); activation \(activations.map(\.rawValue).joined(separator: "|")); weight decay \(weightDecay)"
    }

    /// A uniform choice among `choices` (not empty).
    static func pick<T>(_ choices: [T], using rng: inout SeededGenerator) -> T {
        choices[rng.nextInt(below: choices.count)]
    }

    static func unique<T: Equatable>(_ values: [T]) -> [T] {
        values.reduce(into: []) { kept, v in if !kept.contains(v) { kept.append(v) } }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func pow10(_ x: Double) -> Double { pow(10, x) }
