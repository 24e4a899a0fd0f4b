/// tanh(x), elementwise (the third activation of the book's ch. 6
/// experiments); the backward uses the cached output: dx = dy·(1 − y²).
public final class Tanh: Layer {
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public var computesInputGradient = true
    public var name: String { "Tanh" }

    private let kernels: any Kernels
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastOutput: Tensor?

    public init(inputShape: Shape, kernels: any Kernels) {
        self.inputShape = inputShape
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        output = try arena.allocate(inputShape.prepending(maxBatch), name: "Tanh output")
        inputGradient = try arena.allocate(inputShape.prepending(maxBatch), name: "Tanh input gradient")
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let y = output!.leading(input.shape[0])
        kernels.tanh(input.pointer, into: y.pointer, count: input.count)
        lastOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let y = lastOutput!
        let dx = inputGradient!.leading(y.shape[0])
        kernels.tanhBackward(gradOutput.pointer, output: y.pointer, into: dx.pointer, count: y.count)
        return dx
    }
}
