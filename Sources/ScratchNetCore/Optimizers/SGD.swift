import CKernels

/// Plain stochastic gradient descent: p −= lr·g. No state.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var name: String { "sgd" }
    public var stepCount = 0
    private var reference = false

    /// The book's default learning rate is 0.01.
    public init(learningRate: Float = 0.01) {
        self.learningRate = learningRate
    }

    public func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        reference = usesReferenceUpdates(kernels)
        stepCount = 0
    }

    public func update(_ parameters: [Parameter]) {
        stepCount += 1
        for p in parameters {
            if reference {
                Self.referenceStep(p.value.pointer, p.gradient.pointer, p.value.count, learningRate)
            } else {
                Self.fastStep(p.value.pointer, p.gradient.pointer, p.value.count, learningRate)
            }
        }
    }

    /// The C kernel (multiply then add, threads above a grain size).
    static func fastStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ count: Int, _ lr: Float) {
        sn_sgd_step(p, g, count, lr)
    }

    static func referenceStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ count: Int, _ lr: Float) {
        for i in 0..<count { p[i] -= lr * g[i] }
    }
}
