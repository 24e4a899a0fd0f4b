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

/// What a search varies: learning rate and L2 weight decay.
public struct SearchSpace: Sendable, Equatable, Codable, CustomStringConvertible {
    public var learningRate: LogUniformRange
    public var weightDecay: LogUniformRange

    /// The book's ranges: lr 10^[−6, −2], weight decay 10^[−8, −4].
    public static let book = SearchSpace(learningRate: LogUniformRange(-6, -2), weightDecay: LogUniformRange(-8, -4))

    public init(learningRate: LogUniformRange, weightDecay: LogUniformRange) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// The next round's space: the range spanned by the `keep` best trials
    /// (by validation accuracy), inside the current one. A span narrower
    /// than a tenth of a decade is widened to that, so a round is never a
    /// single point.
    public func narrowed(toBest outcomes: [TrialOutcome], keep: Int) -> SearchSpace {
        precondition(keep >= 1, "SearchSpace.narrowed: keep must be >= 1")
        let best = TrialOutcome.ranked(outcomes).filter { $0.failure == nil }.prefix(keep)
        guard !best.isEmpty else { return self }
        return SearchSpace(
            learningRate: learningRate.spanning(best.map(\.trial.learningRate), minimumWidth: 0.1),
            weightDecay: weightDecay.spanning(best.map(\.trial.weightDecay), minimumWidth: 0.1))
    }

    public var description: String { "lr \(learningRate), weight decay \(weightDecay)" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func pow10(_ x: Double) -> Double { pow(10, x) }
