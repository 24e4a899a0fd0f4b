/// A 2-D convolution over (C, H, W) images with FN filters of FH×FW,
/// weights (FN, C, FH, FW) and bias (FN) as in the book.
///
/// Computed as im2col + one matrix multiply for the whole batch (the book's
/// `Convolution`): the input windows become the rows of `col`
/// (B·OH·OW, C·FH·FW), `col·Wᵀ` gives (B·OH·OW, FN) rows that are
/// transposed into NCHW with the bias added. The backward multiplies the
/// transposed output gradient by `col` for dW and by W for the window
/// gradients, which col2im folds back into dx. All buffers, `col` included,
/// come from the arena; the window gradients reuse `col`'s memory once dW
/// is done. When `computesInputGradient` is false (a first layer), dx and
/// col2im are skipped.
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
    private var col: Tensor?
    private var rows: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastBatch = 0

    /// - Parameter inputShape: (C, H, W); the kernel must fit the padded input.
    public init(inputShape: Shape, filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                initializer: WeightInitializer, kernels: any Kernels) {
        precondition(inputShape.rank == 3, "Conv2D: input \(inputShape) is not (channels, height, width)")
        precondition(filters > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2D: filters \(filters), kernel \(kernel), stride \(stride), padding \(padding)")
        let g = WindowGeometry(batch: 1, channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                               kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding)
        precondition(kernel <= inputShape[1] + 2 * padding && kernel <= inputShape[2] + 2 * padding,
                     "Conv2D: kernel \(kernel) exceeds the padded input \(inputShape)")
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
        let k = geometry.windowSize
        let windows = maxBatch * geometry.outputPixels
        let w = try arena.allocate(Shape(filters, inputShape[0], kernelSize, kernelSize), name: "Conv2D weight")
        let b = try arena.allocate(Shape(filters), name: "Conv2D bias")
        let dw = try arena.allocateGradient(w.shape, name: "Conv2D weight gradient")
        let db = try arena.allocateGradient(Shape(filters), name: "Conv2D bias gradient")
        col = try arena.allocate(Shape(windows, k), name: "Conv2D im2col")
        rows = try arena.allocate(Shape(windows, filters), name: "Conv2D output rows")
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

    // x is (B, C, H, W); col is (B·OH·OW, K = C·FH·FW); W is (FN, K);
    // rows = col·Wᵀ is (B·OH·OW, FN); out is (B, FN, OH, OW).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let g = geometry.withBatch(batch)
        let k = g.windowSize
        kernels.im2col(input.pointer, into: col!.pointer, geometry: g)
        kernels.gemm(transA: false, transB: true, m: g.windowCount, n: filters, k: k,
                     alpha: 1, a: col!.pointer, lda: k, b: weight!.pointer, ldb: k,
                     beta: 0, c: rows!.pointer, ldc: filters)
        let out = output!.leading(batch)
        kernels.rowsToChannels(rows!.pointer, bias: bias!.pointer, into: out.pointer,
                               batch: batch, channels: filters, spatial: g.outputPixels)
        lastBatch = batch
        return out
    }

    // dout (B, FN, OH, OW) → drows (B·OH·OW, FN); db = Σ dout per filter;
    // dW = drowsᵀ·col (FN, K); dcol = drows·W (B·OH·OW, K) into col's memory;
    // dx = col2im(dcol).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        let g = geometry.withBatch(lastBatch)
        let k = g.windowSize
        let drows = rows!.pointer
        kernels.channelsToRows(gradOutput.pointer, into: drows, batch: lastBatch, channels: filters,
                               spatial: g.outputPixels)
        kernels.channelSums(gradOutput.pointer, batch: lastBatch, channels: filters, spatial: g.outputPixels,
                            into: biasGradient!.pointer)
        kernels.gemm(transA: true, transB: false, m: filters, n: k, k: g.windowCount,
                     alpha: 1, a: drows, lda: filters, b: col!.pointer, ldb: k,
                     beta: 0, c: weightGradient!.pointer, ldc: k)
        guard computesInputGradient, let inputGradient else {
            return Tensor(pointer: gradOutput.pointer, shape: Shape(0))
        }
        let dcol = col!.pointer
        kernels.gemm(transA: false, transB: false, m: g.windowCount, n: k, k: filters,
                     alpha: 1, a: drows, lda: filters, b: weight!.pointer, ldb: k,
                     beta: 0, c: dcol, ldc: k)
        let dx = inputGradient.leading(lastBatch)
        kernels.col2im(dcol, into: dx.pointer, geometry: g)
        return dx
    }
}
