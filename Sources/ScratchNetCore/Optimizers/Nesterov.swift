/// Nesterov's accelerated gradient in the form the book uses (Bengio et
/// al., arXiv 1212.0901): v ← μ·v − lr·g; p ← p + μ²·v − (1 + μ)·lr·g.
///
/// Why this form: the classic Nesterov step evaluates the gradient at the
/// look-ahead point p + μ·v, which a network cannot do without a second
/// forward pass. Rewriting in terms of the look-ahead parameters gives an
/// update that needs only the gradient at the current parameters.
/// Defaults are the book's: lr 0.01, μ 0.9.
public final class Nesterov: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var name: String { "nesterov" }
    public var stepCount = 0

    private var velocities: [Tensor] = []
    private var parameterNames: [String] = []
    private var kernels: any Kernels = FastKernels()

    public init(learningRate: Float = 0.01, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        velocities = try arena.allocateOptimizerState("velocity", for: parameters)
        parameterNames = parameters.map(\.name)
        self.kernels = kernels
        stepCount = 0
    }

    public var stateTensors: [NamedTensor] {
        namedOptimizerState(parameterNames: parameterNames, states: [("velocity", velocities)])
    }

    public func update(_ parameters: [Parameter]) {
        precondition(parameters.count == velocities.count, "Nesterov: bound to \(velocities.count) parameters, got \(parameters.count)")
        stepCount += 1
        for i in parameters.indices {
            let p = parameters[i]
            kernels.nesterovStep(p.value.pointer, gradient: p.gradient.pointer, velocity: velocities[i].pointer,
                                 count: p.value.count, learningRate: learningRate, momentum: momentum)
        }
    }
}
