/// A loss comparing predictions with real-valued targets of the same
/// shape, with its gradient: what a regression head needs.
public protocol RegressionLoss: Sendable {
    /// A short name for reports ("mse", "mae").
    var name: String { get }
    func loss(prediction: Tensor, target: Tensor) -> Float
    /// Writes dL/dprediction into `gradient` (same count); allocates nothing.
    func gradient(prediction: Tensor, target: Tensor, into gradient: Tensor)
}

extension MeanSquaredError: RegressionLoss {
    public var name: String { "mse" }
}

extension MeanAbsoluteError: RegressionLoss {
    public var name: String { "mae" }
}
