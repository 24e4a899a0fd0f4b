/// The optimizers by name, for the CLI and for specs: parses "adam" and
/// makes an ``Optimizer`` with the book's defaults or a given learning rate.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    case sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw

    /// The learning rate `common/optimizer.py` defaults to.
    public var defaultLearningRate: Float {
        switch self {
        case .sgd, .momentum, .nesterov, .adagrad, .rmsprop: return 0.01
        case .adam, .adamw: return 0.001
        }
    }

    /// Accepts the names in any case ("Adam", "RMSprop").
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// A new optimizer of this kind; other hyperparameters take the book's defaults.
    /// - Parameter decoupledWeightDecay: λ for ``AdamW`` (nil: its default);
    ///   the other kinds take weight decay as L2 in the network's spec.
    public func make(learningRate: Float? = nil, decoupledWeightDecay: Float? = nil) -> any Optimizer {
        let lr = learningRate ?? defaultLearningRate
        switch self {
        case .sgd: return SGD(learningRate: lr)
        case .momentum: return Momentum(learningRate: lr)
        case .nesterov: return Nesterov(learningRate: lr)
        case .adagrad: return AdaGrad(learningRate: lr)
        case .rmsprop: return RMSprop(learningRate: lr)
        case .adam: return Adam(learningRate: lr)
        case .adamw: return decoupledWeightDecay.map { AdamW(learningRate: lr, weightDecay: $0) } ?? AdamW(learningRate: lr)
        }
    }
}
