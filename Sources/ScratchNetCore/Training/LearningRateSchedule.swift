#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the learning rate changes over a run, as a function of the step.
///
/// Why: a constant rate keeps the weights bouncing around a minimum as wide
/// as the rate; shrinking it at the end lets them settle. On Fashion-MNIST a
/// cosine decay adds 0.3–0.7 points of test accuracy to the same epochs
/// (README, "Accuracy"). The rate is a pure function of the global step, so
/// a resumed run (checkpoints restore the step) follows the same curve.
public enum LearningRateSchedule: Equatable, Sendable, CustomStringConvertible {
    /// The optimizer's rate throughout (the book's choice).
    case constant
    /// Half a cosine from the base rate down to `floor`·base over the run:
    /// rate(s) = base·(floor + (1 − floor)·(1 + cos(π·s/S))/2).
    case cosine(floor: Float)
    /// Multiply the rate by `factor` every `epochs` epochs.
    case step(epochs: Int, factor: Float)
    /// Rise linearly from base/W to the base rate over the first W =
    /// `epochs`·stepsPerEpoch steps (at least 1), then follow `then` over
    /// the remaining steps as if they were the whole run.
    /// Why: early gradients of a fresh network (BatchNorm statistics not
    /// settled, Adam's moments not yet averaged) are large and erratic; a
    /// full rate there can throw the weights far off. Combines with every
    /// other schedule (`warmup:1+cosine`).
    indirect case warmup(epochs: Float, then: LearningRateSchedule)
    /// Smith's one-cycle (`torch.optim.lr_scheduler.OneCycleLR`'s shape):
    /// half a cosine up from base/25 to base over the first `peak` fraction
    /// of the steps, then half a cosine down to base/250 000.
    /// Why: the high middle rate explores, the long tail settles; with
    /// few epochs it reaches a given accuracy sooner than a constant rate.
    case oneCycle(peak: Float)

    /// One-cycle's start is base/``oneCycleStartDivisor``, its end that over ``oneCycleEndDivisor`` (PyTorch's defaults).
    public static let oneCycleStartDivisor: Double = 25
    public static let oneCycleEndDivisor: Double = 1e4

    /// The rate for the step with index `step` (0 = the first step) of a run
    /// of `totalSteps` steps in epochs of `stepsPerEpoch` steps.
    public func rate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine(let floor):
            let progress = Double(min(step, totalSteps)) / Double(max(totalSteps, 1))
            let shape = (1 + cos(Double.pi * progress)) / 2
            return base * Float(Double(floor) + (1 - Double(floor)) * shape)
        case .step(let epochs, let factor):
            // `epochs` comes from a flag: a period beyond Int never drops.
            let (period, overflow) = stepsPerEpoch.multipliedReportingOverflow(by: epochs)
            let drops = overflow ? 0 : step / max(period, 1)
            return base * powf(factor, Float(drops))
        case .warmup(let epochs, let then):
            let warm = min(max(1, Int((Double(epochs) * Double(stepsPerEpoch)).rounded())), max(totalSteps, 1))
            if step < warm { return base * Float(Double(step + 1) / Double(warm)) }
            return then.rate(base: base, step: step - warm, totalSteps: max(totalSteps - warm, 1), stepsPerEpoch: stepsPerEpoch)
        case .oneCycle(let peak):
            let start = Double(base) / Self.oneCycleStartDivisor, end = start / Self.oneCycleEndDivisor
            let up = max(1, Int((Double(peak) * Double(totalSteps)).rounded()))
            func anneal(_ from: Double, _ to: Double, _ progress: Double) -> Float {
                Float(to + (from - to) * (1 + cos(Double.pi * min(max(progress, 0), 1))) / 2)
            }
            if step < up { return anneal(start, Double(base), Double(step) / Double(up)) }
            return anneal(Double(base), end, Double(step - up) / Double(max(totalSteps - up, 1)))
        }
    }

    /// This schedule after `epochs` of linear warmup (a warmup already
    /// there is replaced).
    public func withWarmup(epochs: Float) -> LearningRateSchedule {
        if case .warmup(_, let then) = self { return .warmup(epochs: epochs, then: then) }
        return .warmup(epochs: epochs, then: self)
    }

    /// Parses `constant`, `cosine`, `cosine:FLOOR`, `step:EPOCHS:FACTOR`,
    /// `one-cycle`, `one-cycle:PEAK`, and `warmup:EPOCHS+SCHEDULE` (or
    /// `warmup:EPOCHS` alone, then constant).
    public init?(argument: String) {
        if argument.hasPrefix("warmup:") {
            let pieces = argument.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let epochs = Float(pieces[0].dropFirst("warmup:".count)), epochs > 0, epochs <= Float(Trainer.maximumEpochs),
                  let then = pieces.count == 2 ? LearningRateSchedule(argument: pieces[1]) : .constant else { return nil }
            if case .warmup = then { return nil }
            self = .warmup(epochs: epochs, then: then)
            return
        }
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "constant" where parts.count == 1:
            self = .constant
        case "cosine" where parts.count <= 2:
            let floor = parts.count == 2 ? Float(parts[1]) : 0
            guard let floor, floor >= 0, floor <= 1 else { return nil }
            self = .cosine(floor: floor)
        case "step" where parts.count == 3:
            guard let epochs = Int(parts[1]), epochs >= 1, let factor = Float(parts[2]), factor > 0, factor <= 1 else { return nil }
            self = .step(epochs: epochs, factor: factor)
        case "one-cycle" where parts.count <= 2:
            let peak = parts.count == 2 ? Float(parts[1]) : 0.3
            guard let peak, peak > 0, peak < 1 else { return nil }
            self = .oneCycle(peak: peak)
        default:
            return nil
        }
    }

    /// The form ``init(argument:)`` reads back.
    public var description: String {
        switch self {
        case .constant: return "constant"
        case .cosine(let floor): return floor == 0 ? "cosine" : "cosine:\(floor)"
        case .step(let epochs, let factor): return "step:\(epochs):\(factor)"
        case .warmup(let epochs, let then): return "warmup:\(epochs)+\(then)"
        case .oneCycle(let peak): return peak == 0.3 ? "one-cycle" : "one-cycle:\(peak)"
        }
    }
}
