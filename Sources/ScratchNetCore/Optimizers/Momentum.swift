/// SGD with momentum: v ← μ·v − lr·g; p ← p + v.
///
/// The velocity v remembers past steps, so the update keeps going along
/// directions where gradients agree and damps the zig-zag across a narrow
/// valley. Defaults are the book's (`common/optimizer.py`): lr 0.01, μ 0.9.
public final class Momentum: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var name: String { "momentum" }
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
        precondition(parameters.count == velocities.count, "Momentum: bound to \(velocities.count) parameters, got \(parameters.count)")
        stepCount += 1
        for i in parameters.indices {
            let p = parameters[i]
            kernels.momentumStep(p.value.pointer, gradient: p.gradient.pointer, velocity: velocities[i].pointer,
                                 count: p.value.count, learningRate: learningRate, momentum: momentum)
        }
    }
}
