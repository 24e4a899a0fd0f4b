/// Max pooling over (C, H, W) images: each output is the largest input of
/// its size×size window. The forward records which input won (argmax); the
/// backward sends each output's gradient to that input only.
///
/// Padding never wins a window (it counts as −∞, PyTorch's rule); the
/// book's im2col-based pooling pads with zeros, which differs only when
/// every real input in a window is negative. Padding is limited to half the
/// window so every window holds a real input.
public final class MaxPool: Layer {
    public let inputShape: Shape
    public let outputShape: Shape
    public let size: Int
    public let stride: Int
    public let padding: Int
    public var computesInputGradient = true
    /// Whether the layer applies the ReLU before it (whose layer then passes
    /// values through): that ReLU's two passes over the full-size activation
    /// disappear, with the same bits. Set by ``Network`` before binding.
    public var appliesReLUToInput = false
    public var name: String { "MaxPool(\(size)×\(size), stride \(stride), padding \(padding))" }

    private let kernels: any Kernels
    private let geometry: WindowGeometry
    private var output: Tensor?
    private var argmax: UnsafeMutableBufferPointer<Int32>?
    private var inputGradient: Tensor?
    private var lastBatch = 0

    /// - Parameter inputShape: (C, H, W) with size ≤ H + 2·padding, W + 2·padding.
    public init(inputShape: Shape, size: Int, stride: Int, padding: Int, kernels: any Kernels) {
        precondition(inputShape.rank == 3, "MaxPool: input \(inputShape) is not (channels, height, width)")
        precondition(size > 0 && stride > 0 && padding >= 0 && padding <= size / 2,
                     "MaxPool: size \(size), stride \(stride), padding \(padding)")
        precondition(WindowGeometry.outputLength(input: inputShape[1], window: size, stride: stride, padding: padding) != nil
                     && WindowGeometry.outputLength(input: inputShape[2], window: size, stride: stride, padding: padding) != nil,
                     "MaxPool: window \(size) exceeds \(inputShape)")
        let g = WindowGeometry(batch: 1, channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                               kernelHeight: size, kernelWidth: size, stride: stride, padding: padding)
        self.inputShape = inputShape
        self.size = size
        self.stride = stride
        self.padding = padding
        self.geometry = g
        self.outputShape = Shape(inputShape[0], g.outputHeight, g.outputWidth)
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        output = try arena.allocate(outputShape.prepending(maxBatch), name: "MaxPool output")
        argmax = try arena.allocateInt32(count: maxBatch * outputShape.count, name: "MaxPool argmax")
        inputGradient = computesInputGradient
            ? try arena.allocate(inputShape.prepending(maxBatch), name: "MaxPool input gradient") : nil
    }

    // x is (B, C, H, W); y and argmax are (B, C, OH, OW).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let y = output!.leading(batch)
        kernels.maxPoolForward(input.pointer, relu: appliesReLUToInput, into: y.pointer, argmax: argmax!.baseAddress!,
                               geometry: geometry.withBatch(batch))
        lastBatch = batch
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard computesInputGradient, let inputGradient else {
            return Tensor(pointer: gradOutput.pointer, shape: Shape(0))
        }
        let dx = inputGradient.leading(lastBatch)
        let y = appliesReLUToInput ? UnsafePointer(output!.pointer) : nil
        kernels.maxPoolBackward(gradOutput.pointer, argmax: UnsafePointer(argmax!.baseAddress!), reluOutput: y,
                                into: dx.pointer, geometry: geometry.withBatch(lastBatch))
        return dx
    }
}
