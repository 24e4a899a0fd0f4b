import CKernels

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
    private var reference = false

    public init(learningRate: Float = 0.01, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        velocities = try arena.allocateOptimizerState("velocity", for: parameters)
        parameterNames = parameters.map(\.name)
        reference = usesReferenceUpdates(kernels)
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
            if reference {
                Self.referenceStep(p.value.pointer, p.gradient.pointer, velocities[i].pointer, p.value.count, learningRate, momentum)
            } else {
                Self.fastStep(p.value.pointer, p.gradient.pointer, velocities[i].pointer, p.value.count, learningRate, momentum)
            }
        }
    }

    /// The C kernel: v·μ + (−lr)·g, then p + v, separately rounded; threads
    /// above a grain size.
    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ momentum: Float) {
        sn_momentum_step(p, g, v, count, lr, momentum)
    }

    /// The update as the book writes it, one element at a time.
    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                              _ count: Int, _ lr: Float, _ momentum: Float) {
        for i in 0..<count {
            v[i] = momentum * v[i] - lr * g[i]
            p[i] += v[i]
        }
    }
}
