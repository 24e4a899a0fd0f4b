/// Plain stochastic gradient descent: p −= lr·g. No state.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var name: String { "sgd" }
    public var stepCount = 0
    private var kernels: any Kernels = FastKernels()

    /// The book's default learning rate is 0.01.
    public init(learningRate: Float = 0.01) {
        self.learningRate = learningRate
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        self.kernels = kernels
        stepCount = 0
    }

    public func update(_ parameters: [Parameter]) {
        stepCount += 1
        for p in parameters {
            kernels.sgdStep(p.value.pointer, gradient: p.gradient.pointer, count: p.value.count, learningRate: learningRate)
        }
    }
}
