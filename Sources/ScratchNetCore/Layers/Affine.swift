/// A fully connected layer: out = x·W + b, with W (in, out) as in the book.
///
/// Any input rank is accepted and flattened per sample to `in` features, so
/// an Affine can follow a convolution directly.
public final class Affine: Layer {
    public let inputShape: Shape
    public let outputShape: Shape
    public let inputs: Int
    public let outputs: Int
    public let initializer: WeightInitializer
    public var computesInputGradient = true
    public private(set) var parameters: [Parameter] = []

    private let kernels: any Kernels
    private var weight: Tensor?
    private var bias: Tensor?
    private var weightGradient: Tensor?
    private var biasGradient: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastInput: Tensor?

    public init(inputShape: Shape, outputs: Int, initializer: WeightInitializer, kernels: any Kernels) {
        precondition(outputs > 0, "Affine: outputs must be > 0")
        self.inputShape = inputShape
        self.inputs = inputShape.count
        self.outputs = outputs
        self.outputShape = Shape(outputs)
        self.initializer = initializer
        self.kernels = kernels
    }

    public var name: String { "Affine(\(inputs)→\(outputs))" }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        let w = try arena.allocate(Shape(inputs, outputs), name: "Affine weight")
        let b = try arena.allocate(Shape(outputs), name: "Affine bias")
        let dw = try arena.allocateGradient(Shape(inputs, outputs), name: "Affine weight gradient")
        let db = try arena.allocateGradient(Shape(outputs), name: "Affine bias gradient")
        output = try arena.allocate(Shape(maxBatch, outputs), name: "Affine output")
        inputGradient = computesInputGradient
            ? try arena.allocate(inputShape.prepending(maxBatch), name: "Affine input gradient") : nil
        weight = w; bias = b; weightGradient = dw; biasGradient = db
        parameters = [
            Parameter(name: "weight", value: w, gradient: dw, decays: true),
            Parameter(name: "bias", value: b, gradient: db, decays: false),
        ]
    }

    public func initializeParameters(using rng: inout SeededGenerator) {
        initializer.fill(weight!, fanIn: inputs, using: &rng)
        bias!.fill(0)
    }

    // x is (B, in), W is (in, out), out is (B, out).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let out = forwardInference(input, relu: false)
        lastInput = input.matrix
        return out
    }

    /// Inference straight from byte images: out = (scale·x)·W + b, x the
    /// (batch, in) bytes at `bytes`, row after row. Why: converting a batch
    /// to floats first writes four times its size (3 MB for 1000 Fashion-MNIST
    /// images, past L2) for the product to read back. Keeps no input, so
    /// ``backward(_:)`` cannot follow it: evaluation only.
    /// - Parameter relu: also apply the ReLU that follows this layer (fused
    ///   into the product's epilogue; the same bits as a separate ReLU layer).
    public func forward(bytes: UnsafePointer<UInt8>, batch: Int, scale: Float, relu: Bool = false) -> Tensor {
        precondition(batch > 0 && batch <= output!.shape[0], "Affine: batch \(batch) not in 1...\(output!.shape[0])")
        lastInput = nil
        let out = output!.leading(batch)
        kernels.gemmBytesBiasActivation(m: batch, n: outputs, k: inputs, scale: scale, x: bytes, ldx: inputs,
                                        b: weight!.pointer, ldb: outputs, bias: bias!.pointer, relu: relu,
                                        c: out.pointer, ldc: outputs)
        return out
    }

    /// Inference on float input with the bias (and, when `relu`, the ReLU
    /// that follows this layer) applied in the product's epilogue: one pass
    /// over the output instead of three, the same bits as
    /// ``forward(_:training:)`` then a ReLU layer. Keeps no input (evaluation only).
    public func forwardInference(_ input: Tensor, relu: Bool) -> Tensor {
        let batch = input.shape[0]
        let x = input.matrix
        precondition(x.shape[1] == inputs, "Affine: input \(input.shape) does not have \(inputs) features")
        lastInput = nil
        let out = output!.leading(batch)
        kernels.gemmBiasActivation(m: batch, n: outputs, k: inputs, a: x.pointer, lda: inputs,
                                   b: weight!.pointer, ldb: outputs, bias: bias!.pointer, relu: relu,
                                   c: out.pointer, ldc: outputs)
        return out
    }

    // dout is (B, out): dW = xᵀ·dout (in, out), db = Σ_rows dout, dx = dout·Wᵀ (B, in).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        let x = floatInput
        let batch = x.shape[0]
        kernels.gemm(transA: true, transB: false, m: inputs, n: outputs, k: batch,
                     alpha: 1, a: x.pointer, lda: inputs, b: gradOutput.pointer, ldb: outputs,
                     beta: 0, c: weightGradient!.pointer, ldc: outputs)
        kernels.columnSums(gradOutput.pointer, rows: batch, cols: outputs, into: biasGradient!.pointer)
        return inputGradient(of: gradOutput, input: x)
    }

    /// The input of the last forward, which backward needs as floats.
    private var floatInput: Tensor {
        guard let x = lastInput else {
            preconditionFailure("Affine: backward needs a forward on a float input (the last forward read bytes, or none ran)")
        }
        return x
    }

    /// dx = dY·Wᵀ for every row (empty when the network needs none).
    private func inputGradient(of gradOutput: Tensor, input x: Tensor) -> Tensor {
        guard computesInputGradient, let inputGradient else {
            return Tensor(pointer: x.pointer, shape: Shape(0))
        }
        let batch = x.shape[0]
        let dx = inputGradient.leading(batch)
        kernels.gemm(transA: false, transB: true, m: batch, n: inputs, k: outputs,
                     alpha: 1, a: gradOutput.pointer, lda: outputs, b: weight!.pointer, ldb: outputs,
                     beta: 0, c: dx.pointer, ldc: inputs)
        return dx
    }
}
