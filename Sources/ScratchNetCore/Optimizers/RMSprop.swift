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
    private var reference = false

    public init(learningRate: Float = 0.01, decay: Float = 0.99, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        averagesOfSquares = try arena.allocateOptimizerState("h", for: parameters)
        parameterNames = parameters.map(\.name)
        reference = usesReferenceUpdates(kernels)
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
            if reference {
                Self.referenceStep(p.value.pointer, p.gradient.pointer, averagesOfSquares[i].pointer, p.value.count,
                                   learningRate, decay, epsilon)
            } else {
                Self.fastStep(p.value.pointer, p.gradient.pointer, averagesOfSquares[i].pointer, p.value.count,
                              learningRate, decay, epsilon)
            }
        }
    }

    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ decay: Float, _ epsilon: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let rho = V(repeating: decay), oneMinusRho = V(repeating: 1 - decay)
        let eps = V(repeating: epsilon), minusLR = V(repeating: -lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let avg = (SIMDElementwise.load(h + i) * rho).plusProduct(oneMinusRho, grad * grad)
            SIMDElementwise.store(avg, h + i)
            let param = SIMDElementwise.load(p + i).plusProduct(minusLR, grad / (avg.vectorSquareRoot + eps))
            SIMDElementwise.store(param, p + i)
            i += width
        }
        while i < count {
            let avg = (h[i] * decay).plusProduct(1 - decay, g[i] * g[i])
            h[i] = avg
            p[i] = p[i].plusProduct(-lr, g[i] / (avg.squareRoot() + epsilon))
            i += 1
        }
    }

    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                              _ count: Int, _ lr: Float, _ decay: Float, _ epsilon: Float) {
        for i in 0..<count {
            h[i] *= decay
            h[i] += (1 - decay) * g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + epsilon)
        }
    }
}
