/// AdaGrad: h ← h + g²; p ← p − lr·g / (√h + ε).
///
/// Each weight gets its own step size, shrinking as its squared gradients
/// add up: weights that have moved a lot slow down. h only grows, so the
/// steps fade towards zero in long runs (RMSprop fixes that). Defaults are
/// the book's: lr 0.01, ε 1e-7 added *outside* the square root.
public final class AdaGrad: Optimizer {
    public var learningRate: Float
    public var epsilon: Float
    public var name: String { "adagrad" }
    public var stepCount = 0

    private var sumsOfSquares: [Tensor] = []
    private var parameterNames: [String] = []
    private var kernels: any Kernels = FastKernels()

    public init(learningRate: Float = 0.01, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.epsilon = epsilon
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        sumsOfSquares = try arena.allocateOptimizerState("h", for: parameters)
        parameterNames = parameters.map(\.name)
        self.kernels = kernels
        stepCount = 0
    }

    public var stateTensors: [NamedTensor] {
        namedOptimizerState(parameterNames: parameterNames, states: [("h", sumsOfSquares)])
    }

    public func update(_ parameters: [Parameter]) {
        precondition(parameters.count == sumsOfSquares.count, "AdaGrad: bound to \(sumsOfSquares.count) parameters, got \(parameters.count)")
        stepCount += 1
        for i in parameters.indices {
            let p = parameters[i]
            kernels.adaGradStep(p.value.pointer, gradient: p.gradient.pointer, sumOfSquares: sumsOfSquares[i].pointer,
                                count: p.value.count, learningRate: learningRate, epsilon: epsilon)
        }
    }
}
