/// RMSprop: h ← ρ·h + (1 − ρ)·g²; p ← p − lr·g / (√h + ε).
///
/// AdaGrad with a forgetting average of squared gradients, so old gradients
/// fade and steps do not die out. Defaults are the book's: lr 0.01,
/// decay ρ 0.99, ε 1e-7 outside the square root.
public final class RMSprop: Optimizer {
    public var learningRate: Float
    public var decay: Float
    public var epsilon: Float
    public var name: String { "rmsprop" }
    public var stepCount = 0

    private var averagesOfSquares: [Tensor] = []
    private var parameterNames: [String] = []
    private var kernels: any Kernels = FastKernels()

    public init(learningRate: Float = 0.01, decay: Float = 0.99, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        averagesOfSquares = try arena.allocateOptimizerState("h", for: parameters)
        parameterNames = parameters.map(\.name)
        self.kernels = kernels
        stepCount = 0
    }

    public var stateTensors: [NamedTensor] {
        namedOptimizerState(parameterNames: parameterNames, states: [("h", averagesOfSquares)])
    }

    public func update(_ parameters: [Parameter]) {
        precondition(parameters.count == averagesOfSquares.count, "RMSprop: bound to \(averagesOfSquares.count) parameters, got \(parameters.count)")
        stepCount += 1
        for i in parameters.indices {
            let p = parameters[i]
            kernels.rmspropStep(p.value.pointer, gradient: p.gradient.pointer, averageOfSquares: averagesOfSquares[i].pointer,
                                count: p.value.count, learningRate: learningRate, decay: decay, epsilon: epsilon)
        }
    }
}
