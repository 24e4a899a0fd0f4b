import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam: momentum on the gradient (m) and RMSprop-style scaling (v), with
/// the bias correction folded into the step size, as the book writes it:
///
///     t ← t + 1;  lr_t = lr·√(1 − β2ᵗ) / (1 − β1ᵗ)
///     m ← m + (1 − β1)·(g − m);  v ← v + (1 − β2)·(g² − v)
///     p ← p − lr_t·m / (√v + ε)
///
/// Why folded: m and v start at zero and are biased towards it early on;
/// scaling the step instead of m and v costs one scalar per step. Note ε is
/// added *outside* the square root and to the uncorrected √v (the book's
/// and the paper's "ε̂" form), so results match `common/optimizer.py`.
/// Defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7.
public final class Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var name: String { "adam" }
    /// t in the formulas; checkpoints must restore it with m and v.
    public var stepCount = 0

    private var firstMoments: [Tensor] = []
    private var secondMoments: [Tensor] = []
    private var parameterNames: [String] = []
    private var reference = false

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        firstMoments = try arena.allocateOptimizerState("m", for: parameters)
        secondMoments = try arena.allocateOptimizerState("v", for: parameters)
        parameterNames = parameters.map(\.name)
        reference = usesReferenceUpdates(kernels)
        stepCount = 0
    }

    public var stateTensors: [NamedTensor] {
        namedOptimizerState(parameterNames: parameterNames, states: [("m", firstMoments), ("v", secondMoments)])
    }

    /// lr·√(1 − β2ᵗ) / (1 − β1ᵗ), computed in Double as NumPy does.
    public static func correctedLearningRate(_ lr: Float, beta1: Float, beta2: Float, step t: Int) -> Float {
        let t = Double(t)
        return Float(Double(lr) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
    }

    public func update(_ parameters: [Parameter]) {
        precondition(parameters.count == firstMoments.count, "Adam: bound to \(firstMoments.count) parameters, got \(parameters.count)")
        stepCount += 1
        let lrT = Self.correctedLearningRate(learningRate, beta1: beta1, beta2: beta2, step: stepCount)
        for i in parameters.indices {
            let p = parameters[i]
            if reference {
                Self.referenceStep(p.value.pointer, p.gradient.pointer, firstMoments[i].pointer, secondMoments[i].pointer,
                                   p.value.count, lrT, beta1, beta2, epsilon)
            } else {
                Self.fastStep(p.value.pointer, p.gradient.pointer, firstMoments[i].pointer, secondMoments[i].pointer,
                              p.value.count, lrT, beta1, beta2, epsilon)
            }
        }
    }

    /// The C kernel (same separately rounded steps as `referenceStep` up to
    /// the order of the last multiply and divide; threads above a grain size).
    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                         _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lrT: Float, _ beta1: Float, _ beta2: Float, _ epsilon: Float) {
        sn_adam_step(p, g, m, v, count, lrT, beta1, beta2, epsilon)
    }

    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                              _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                              _ count: Int, _ lrT: Float, _ beta1: Float, _ beta2: Float, _ epsilon: Float) {
        for i in 0..<count {
            m[i] += (1 - beta1) * (g[i] - m[i])
            v[i] += (1 - beta2) * (g[i] * g[i] - v[i])
            p[i] -= lrT * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
