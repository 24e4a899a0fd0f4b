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
    private var kernels: any Kernels = FastKernels()

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
        self.kernels = kernels
        stepCount = 0
    }

    /// m and v per parameter, for ``AdamW``, which shares this state.
    var moments: (first: [Tensor], second: [Tensor]) { (firstMoments, secondMoments) }

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
            kernels.adamStep(p.value.pointer, gradient: p.gradient.pointer, firstMoment: firstMoments[i].pointer,
                             secondMoment: secondMoments[i].pointer, count: p.value.count,
                             correctedLearningRate: lrT, beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
    }
}
