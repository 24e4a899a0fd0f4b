/// The absolute-error loss: Σ|y − t|, summed or divided by the batch size.
///
/// Less swayed by outliers than squared error (an error twice as large
/// costs twice, not four times), it fits the conditional median rather than
/// the mean. Its gradient is sign(y − t): taken as 0 where y = t exactly.
public struct MeanAbsoluteError: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .batchMean) {
        self.reduction = reduction
    }

    private func scale(_ prediction: Tensor) -> Double {
        reduction == .sum ? 1 : 1 / Double(max(prediction.shape[0], 1))
    }

    public func loss(prediction: Tensor, target: Tensor) -> Float {
        precondition(prediction.count == target.count, "MeanAbsoluteError: prediction \(prediction.shape) vs target \(target.shape)")
        var sum = 0.0
        for i in 0..<prediction.count {
            sum += abs(Double(prediction.pointer[i]) - Double(target.pointer[i]))
        }
        return Float(sum * scale(prediction))
    }

    /// dL/dy = sign(y − t) (0 at a tie), divided by the batch size for
    /// ``LossReduction/batchMean``.
    public func gradient(prediction: Tensor, target: Tensor, into gradient: Tensor) {
        precondition(prediction.count == target.count && gradient.count == prediction.count,
                     "MeanAbsoluteError: prediction \(prediction.shape), target \(target.shape), gradient \(gradient.shape)")
        let s = Float(scale(prediction))
        for i in 0..<prediction.count {
            let d = prediction.pointer[i] - target.pointer[i]
            gradient.pointer[i] = d > 0 ? s : (d < 0 ? -s : 0)
        }
    }
}
