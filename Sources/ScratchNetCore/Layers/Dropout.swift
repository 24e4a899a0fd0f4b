/// Inverted dropout: in training each unit is kept with probability
/// 1 − ratio and scaled by 1/(1 − ratio); at inference the layer is the
/// identity.
///
/// The book's `Dropout` is *not* inverted: it keeps units unscaled in
/// training and multiplies by (1 − ratio) at test time. Both give the same
/// expected activation; the inverted form makes inference free and is what
/// PyTorch and Keras do. A model trained here therefore needs no rescaling
/// at test time.
///
/// Masks come from the layer's own ``SeededGenerator``, seeded from the
/// network's initialization stream, so the network seed fixes every mask and
/// a checkpoint can save and restore the generator.
public final class Dropout: Layer {
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public let ratio: Float
    public var computesInputGradient = true
    public var name: String { "Dropout(\(ratio))" }
    public var generator: SeededGenerator?

    private let kernels: any Kernels
    private var mask: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastBatch = 0

    /// - Parameter ratio: the probability of dropping a unit, in [0, 1).
    public init(inputShape: Shape, ratio: Float, kernels: any Kernels) {
        precondition(ratio >= 0 && ratio < 1, "Dropout: ratio \(ratio) not in [0, 1)")
        self.inputShape = inputShape
        self.ratio = ratio
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        mask = try arena.allocate(inputShape.prepending(maxBatch), name: "Dropout mask")
        output = try arena.allocate(inputShape.prepending(maxBatch), name: "Dropout output")
        inputGradient = try arena.allocate(inputShape.prepending(maxBatch), name: "Dropout input gradient")
    }

    public func initializeParameters(using rng: inout SeededGenerator) {
        generator = SeededGenerator(seed: rng.next())
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        precondition(generator != nil, "Dropout: initializeParameters must run before a training forward")
        let batch = input.shape[0]
        let m = mask!.leading(batch)
        let keepScale = 1 / (1 - ratio)
        let threshold = Double(ratio)
        var rng = generator!
        for i in 0..<m.count {
            m.pointer[i] = rng.nextUniform() >= threshold ? keepScale : 0
        }
        generator = rng
        let y = output!.leading(batch)
        kernels.multiply(input.pointer, m.pointer, into: y.pointer, count: y.count)
        lastBatch = batch
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let dx = inputGradient!.leading(lastBatch)
        kernels.multiply(gradOutput.pointer, mask!.pointer, into: dx.pointer, count: dx.count)
        return dx
    }
}
