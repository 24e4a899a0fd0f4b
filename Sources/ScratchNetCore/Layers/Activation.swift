/// An elementwise activation function with a backward written in terms of
/// the forward's output (true of ReLU, sigmoid and tanh), so the layer keeps
/// only its output for the backward pass.
public protocol ActivationFunction {
    /// The layer's name in messages ("ReLU").
    static var name: String { get }
    /// y = f(x), elementwise; y may be x.
    static func forward(_ kernels: any Kernels, _ x: UnsafePointer<Float>,
                        into y: UnsafeMutablePointer<Float>, count: Int)
    /// dx = dy·f′ expressed through y = f(x); dx may be dy.
    static func backward(_ kernels: any Kernels, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                         into dx: UnsafeMutablePointer<Float>, count: Int)
}

/// The layer every elementwise activation is: its output and input gradient
/// live in the arena, forward applies `Function`, backward its derivative.
/// `ReLU`, `Sigmoid` and `Tanh` are this layer with their function.
public final class Activation<Function: ActivationFunction>: Layer {
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public var computesInputGradient = true
    public var name: String { Function.name }
    /// Whether a neighbouring layer applies this function in its own pass
    /// (``BatchNorm/appliesReLU`` before it, ``MaxPool/appliesReLUToInput``
    /// after it): then forward and backward hand values through, and binding
    /// takes no buffers. Set by ``Network`` before binding.
    public var isAppliedByNeighbour = false

    private let kernels: any Kernels
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastOutput: Tensor?

    public init(inputShape: Shape, kernels: any Kernels) {
        self.inputShape = inputShape
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        guard !isAppliedByNeighbour else { output = nil; inputGradient = nil; return }
        output = try arena.allocate(inputShape.prepending(maxBatch), name: "\(Function.name) output")
        inputGradient = try arena.allocate(inputShape.prepending(maxBatch), name: "\(Function.name) input gradient")
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        if isAppliedByNeighbour { return input }
        let y = output!.leading(input.shape[0])
        Function.forward(kernels, input.pointer, into: y.pointer, count: input.count)
        lastOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        if isAppliedByNeighbour { return gradOutput }
        let y = lastOutput!
        let dx = inputGradient!.leading(y.shape[0])
        Function.backward(kernels, gradOutput.pointer, output: y.pointer, into: dx.pointer, count: y.count)
        return dx
    }
}
