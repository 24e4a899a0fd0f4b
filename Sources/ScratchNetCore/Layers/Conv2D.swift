/// A 2-D convolution over (C, H, W) images with FN filters of FH×FW,
/// weights (FN, C, FH, FW) and bias (FN) as in the book.
///
/// The work is the kernels' ``Kernels/convolutionForward(_:weight:bias:into:scratch:geometry:filters:)``
/// and its backward: the fast kernels work one image at a time in an
/// L2-sized scratch instead of one matrix for the whole batch, which for
/// deep networks is tens of megabytes written and read back. With stride 1
/// they unfold nothing (the product reads the zero-padded image at the
/// offsets of the book's im2col rows, and the input gradient is the forward
/// of the transposed convolution); 3×3 stride-1 layers with enough channels
/// run Winograd: F(4×4, 3×3) or F(2×2, 3×3) for the forward, the input
/// gradient and the weight gradient (4× or 2.25× fewer multiplies; see
/// ``ConvolutionAlgorithm``); other strides unfold each image. The
/// scratch comes from the arena; the backward recomputes what it needs
/// rather than keeping it. When `computesInputGradient` is false
/// (a first layer), the input gradient is skipped.
public final class Conv2D: Layer {
    public let inputShape: Shape
    public let outputShape: Shape
    public let filters: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let initializer: WeightInitializer
    public var computesInputGradient = true
    public private(set) var parameters: [Parameter] = []
    public var name: String { "Conv2D(\(filters)×\(inputShape[0])×\(kernelSize)×\(kernelSize), stride \(stride), padding \(padding))" }

    private let kernels: any Kernels
    private let geometry: WindowGeometry
    private var weight: Tensor?
    private var bias: Tensor?
    private var weightGradient: Tensor?
    private var biasGradient: Tensor?
    private var scratch: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?
    /// The forward's input, which the backward needs for the weight gradient.
    private var lastInput: Tensor?
    /// Whether the scratch holds what the kernels prepared for inference from
    /// the current weights (``prepareForInference()``). A training forward or
    /// a backward ends it: the weights are about to change.
    public private(set) var isPreparedForInference = false

    /// - Parameter inputShape: (C, H, W); the kernel must fit the padded input.
    public init(inputShape: Shape, filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                initializer: WeightInitializer, kernels: any Kernels) {
        precondition(inputShape.rank == 3, "Conv2D: input \(inputShape) is not (channels, height, width)")
        precondition(filters > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2D: filters \(filters), kernel \(kernel), stride \(stride), padding \(padding)")
        // Checked arithmetic: an unchecked `2 * padding` would trap first.
        precondition(WindowGeometry.outputLength(input: inputShape[1], window: kernel, stride: stride, padding: padding) != nil
                     && WindowGeometry.outputLength(input: inputShape[2], window: kernel, stride: stride, padding: padding) != nil,
                     "Conv2D: kernel \(kernel) exceeds the padded input \(inputShape)")
        let g = WindowGeometry(batch: 1, channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                               kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding)
        self.inputShape = inputShape
        self.filters = filters
        self.kernelSize = kernel
        self.stride = stride
        self.padding = padding
        self.initializer = initializer
        self.geometry = g
        self.outputShape = Shape(filters, g.outputHeight, g.outputWidth)
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        let w = try arena.allocate(Shape(filters, inputShape[0], kernelSize, kernelSize), name: "Conv2D weight")
        let b = try arena.allocate(Shape(filters), name: "Conv2D bias")
        let dw = try arena.allocateGradient(w.shape, name: "Conv2D weight gradient")
        let db = try arena.allocateGradient(Shape(filters), name: "Conv2D bias gradient")
        let scratchCount = kernels.convolutionScratchCount(geometry: geometry.withBatch(maxBatch), filters: filters)
        scratch = try arena.allocate(Shape(max(scratchCount, 1)), name: "Conv2D scratch")
        output = try arena.allocate(outputShape.prepending(maxBatch), name: "Conv2D output")
        inputGradient = computesInputGradient
            ? try arena.allocate(inputShape.prepending(maxBatch), name: "Conv2D input gradient") : nil
        weight = w; bias = b; weightGradient = dw; biasGradient = db
        parameters = [
            Parameter(name: "weight", value: w, gradient: dw, decays: true),
            Parameter(name: "bias", value: b, gradient: db, decays: false),
        ]
    }

    public func initializeParameters(using rng: inout SeededGenerator) {
        initializer.fill(weight!, fanIn: geometry.windowSize, using: &rng)
        bias!.fill(0)
    }

    /// Lets inference forwards reuse what depends on the weights alone (the
    /// Winograd transform of 3×3 weights: at batch 1 it costs as much as the
    /// convolution it saves) until the next training forward or backward.
    /// Call it again after writing the weights through their pointers.
    public func prepareForInference() {
        kernels.prepareConvolutionInference(weight: weight!.pointer, scratch: scratch!.pointer,
                                            geometry: geometry.withBatch(1), filters: filters)
        isPreparedForInference = true
    }

    // x is (B, C, H, W); W is (FN, C, FH, FW); out is (B, FN, OH, OW).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let out = output!.leading(batch)
        let g = geometry.withBatch(batch)
        if training { isPreparedForInference = false }
        if isPreparedForInference {
            kernels.convolutionInferenceForward(input.pointer, weight: weight!.pointer, bias: bias!.pointer,
                                                into: out.pointer, scratch: scratch!.pointer, geometry: g,
                                                filters: filters)
        } else {
            kernels.convolutionForward(input.pointer, weight: weight!.pointer, bias: bias!.pointer, into: out.pointer,
                                       scratch: scratch!.pointer, geometry: g, filters: filters)
        }
        lastInput = input
        return out
    }

    // dout (B, FN, OH, OW) → dW (FN, C, FH, FW), db (FN) and, unless this is a
    // first layer, dx (B, C, H, W).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input = lastInput else { preconditionFailure("Conv2D: backward before forward") }
        isPreparedForInference = false
        let batch = input.shape[0]
        let dx = computesInputGradient ? inputGradient?.leading(batch) : nil
        kernels.convolutionBackward(input.pointer, weight: weight!.pointer, gradOutput: gradOutput.pointer,
                                    weightGradient: weightGradient!.pointer, biasGradient: biasGradient!.pointer,
                                    inputGradient: dx?.pointer, scratch: scratch!.pointer,
                                    geometry: geometry.withBatch(batch), filters: filters)
        return dx ?? Tensor(pointer: gradOutput.pointer, shape: Shape(0))
    }
}
