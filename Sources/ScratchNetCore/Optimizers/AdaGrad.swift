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
    private var reference = false

    public init(learningRate: Float = 0.01, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.epsilon = epsilon
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        sumsOfSquares = try arena.allocateOptimizerState("h", for: parameters)
        parameterNames = parameters.map(\.name)
        reference = usesReferenceUpdates(kernels)
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
            if reference {
                Self.referenceStep(p.value.pointer, p.gradient.pointer, sumsOfSquares[i].pointer, p.value.count, learningRate, epsilon)
            } else {
                Self.fastStep(p.value.pointer, p.gradient.pointer, sumsOfSquares[i].pointer, p.value.count, learningRate, epsilon)
            }
        }
    }

    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ epsilon: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let eps = V(repeating: epsilon), minusLR = V(repeating: -lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let sum = SIMDElementwise.load(h + i).plusProduct(grad, grad)
            SIMDElementwise.store(sum, h + i)
            let param = SIMDElementwise.load(p + i).plusProduct(minusLR, grad / (sum.vectorSquareRoot + eps))
            SIMDElementwise.store(param, p + i)
            i += width
        }
        while i < count {
            let sum = h[i].plusProduct(g[i], g[i])
            h[i] = sum
            p[i] = p[i].plusProduct(-lr, g[i] / (sum.squareRoot() + epsilon))
            i += 1
        }
    }

    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                              _ count: Int, _ lr: Float, _ epsilon: Float) {
        for i in 0..<count {
            h[i] += g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + epsilon)
        }
    }
}
