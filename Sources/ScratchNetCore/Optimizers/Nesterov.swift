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
        precondition(parameters.count == velocities.count, "Nesterov: bound to \(velocities.count) parameters, got \(parameters.count)")
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

    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ momentum: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let mu = V(repeating: momentum), minusLR = V(repeating: -lr)
        let muSquared = V(repeating: momentum * momentum), gradScale = V(repeating: -(1 + momentum) * lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let vel = (SIMDElementwise.load(v + i) * mu).plusProduct(minusLR, grad)
            SIMDElementwise.store(vel, v + i)
            let param = SIMDElementwise.load(p + i).plusProduct(muSquared, vel).plusProduct(gradScale, grad)
            SIMDElementwise.store(param, p + i)
            i += width
        }
        let ms = momentum * momentum, gs = -(1 + momentum) * lr
        while i < count {
            let vel = (v[i] * momentum).plusProduct(-lr, g[i])
            v[i] = vel
            p[i] = p[i].plusProduct(ms, vel).plusProduct(gs, g[i])
            i += 1
        }
    }

    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                              _ count: Int, _ lr: Float, _ momentum: Float) {
        for i in 0..<count {
            v[i] = momentum * v[i] - lr * g[i]
            p[i] += momentum * momentum * v[i]
            p[i] -= (1 + momentum) * lr * g[i]
        }
    }
}
