/// The squared-error loss of regression: 0.5·Σ(y − t)², summed
/// (``LossReduction/sum``, the book's `sum_squared_error`) or divided by
/// the batch size (``LossReduction/batchMean``).
///
/// The ½ makes the gradient simply (y − t) (or (y − t)/N). Predictions and
/// targets are (batch, features...) tensors of the same count; the batch is
/// the leading axis. The loss is accumulated in Double.
public struct MeanSquaredError: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .batchMean) {
        self.reduction = reduction
    }

    private func scale(_ prediction: Tensor) -> Double {
        reduction == .sum ? 1 : 1 / Double(max(prediction.shape[0], 1))
    }

    public func loss(prediction: Tensor, target: Tensor) -> Float {
        precondition(prediction.count == target.count, "MeanSquaredError: prediction \(prediction.shape) vs target \(target.shape)")
        var sum = 0.0
        for i in 0..<prediction.count {
            let d = Double(prediction.pointer[i]) - Double(target.pointer[i])
            sum += d * d
        }
        return Float(0.5 * sum * scale(prediction))
    }

    /// dL/dy = (y − t), divided by the batch size for ``LossReduction/batchMean``.
    public func gradient(prediction: Tensor, target: Tensor, into gradient: Tensor) {
        precondition(prediction.count == target.count && gradient.count == prediction.count,
                     "MeanSquaredError: prediction \(prediction.shape), target \(target.shape), gradient \(gradient.shape)")
        let s = Float(scale(prediction))
        for i in 0..<prediction.count {
            gradient.pointer[i] = (prediction.pointer[i] - target.pointer[i]) * s
        }
    }
}
