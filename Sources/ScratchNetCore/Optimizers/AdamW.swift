/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019).
///
///     p ← p·(1 − lr·λ)                       (weights only, not biases or BatchNorm)
///     then the ``Adam`` update with the bias-corrected rate
///
/// Why decoupled: L2 decay added to the gradient (`--weight-decay` with any
/// other optimizer) is divided by Adam's √v like the rest of the gradient,
/// so weights with large gradients are hardly decayed at all. Shrinking the
/// weights directly decays every weight at the same rate, the regularizer
/// L2 is meant to be; with a schedule the decay follows the scheduled rate
/// (the decay uses `learningRate`, which the trainer sets each step), as
/// `torch.optim.AdamW` does. State (m, v, steps) is Adam's, under the same
/// names, so checkpoints hold the same tensors.
/// Defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7, λ 0.01 (PyTorch's λ).
public final class AdamW: Optimizer {
    public var learningRate: Float {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }
    /// λ: each step multiplies the decaying weights by 1 − lr·λ.
    public var weightDecay: Float
    public var name: String { "adamw" }
    public var stepCount: Int {
        get { adam.stepCount }
        set { adam.stepCount = newValue }
    }

    private let adam: Adam
    private var decays: [Bool] = []
    private var kernels: any Kernels = FastKernels()

    public init(learningRate: Float = 0.001, weightDecay: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7) {
        precondition(weightDecay >= 0 && weightDecay.isFinite, "AdamW: weight decay must be >= 0, got \(weightDecay)")
        adam = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        self.weightDecay = weightDecay
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        try adam.bind(parameters: parameters, arena: arena, kernels: kernels)
        decays = parameters.map(\.decays)
        self.kernels = kernels
    }

    public var stateTensors: [NamedTensor] { adam.stateTensors }

    public func update(_ parameters: [Parameter]) {
        precondition(parameters.count == decays.count, "AdamW: bound to \(decays.count) parameters, got \(parameters.count)")
        stepCount += 1
        let lrT = Adam.correctedLearningRate(learningRate, beta1: adam.beta1, beta2: adam.beta2, step: stepCount)
        let decay = learningRate * weightDecay
        let moments = adam.moments
        for i in parameters.indices {
            let p = parameters[i]
            kernels.adamWStep(p.value.pointer, gradient: p.gradient.pointer, firstMoment: moments.first[i].pointer,
                              secondMoment: moments.second[i].pointer, count: p.value.count,
                              correctedLearningRate: lrT, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon,
                              decay: decays[i] ? decay : 0)
        }
    }
}
