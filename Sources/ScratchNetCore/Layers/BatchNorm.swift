/// Batch normalization (Ioffe & Szegedy 2015): each channel is normalized
/// to zero mean and unit variance over the batch, then scaled by `gamma`
/// and shifted by `beta`, both trained (and never weight-decayed).
///
/// Statistics are per feature for dense inputs (N, D) and **per channel**
/// for images (N, C, H, W), over N·H·W values, as in PyTorch's BatchNorm2d.
/// The book's `BatchNormalization` flattens a 4-D input to (N, C·H·W) and
/// so keeps one statistic per pixel; per channel is what convolutional
/// networks use, since a filter's response should be normalized the same
/// way everywhere in the image.
///
/// Book defaults otherwise: eps 1e-6 (the book's `10e-7`), momentum 0.9,
/// running mean and variance starting at zero and updated in every training
/// forward as `0.9·running + 0.1·batch` with the biased batch variance.
/// Inference uses the running statistics. They are saved with the model
/// through ``persistentState`` (`running_mean`, `running_var`).
public final class BatchNorm: Layer {
    public static let defaultMomentum: Float = 0.9
    public static let defaultEpsilon: Float = 1e-6

    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    /// Features (dense input) or channels (image input).
    public let channels: Int
    /// Values per channel per sample: 1 for dense inputs, H·W for images.
    public let spatial: Int
    public let momentum: Float
    public let epsilon: Float
    public var computesInputGradient = true
    /// Whether the layer applies the ReLU that follows it (whose layer then
    /// passes values through): one pass over the activations each way
    /// instead of two, with the same bits. Set by ``Network`` before binding.
    public var appliesReLU = false
    public private(set) var parameters: [Parameter] = []
    public var name: String { spatial == 1 ? "BatchNorm(\(channels) features)" : "BatchNorm(\(channels) channels)" }

    private let kernels: any Kernels
    private var gamma: Tensor?
    private var beta: Tensor?
    private var gammaGradient: Tensor?
    private var betaGradient: Tensor?
    private var runningMean: Tensor?
    private var runningVariance: Tensor?
    private var batchMean: Tensor?
    private var invStd: Tensor?
    /// The last training forward's input: the backward recomputes the
    /// normalized values from it (the layer before keeps its output until
    /// the step's backward has passed), so no tensor of them is stored.
    private var lastInput: UnsafePointer<Float>?
    private var output: Tensor?
    private var inputGradient: Tensor?
    private var lastBatch = 0

    /// - Parameter inputShape: (D) for dense inputs or (C, H, W) for images.
    public init(inputShape: Shape, momentum: Float = BatchNorm.defaultMomentum,
                epsilon: Float = BatchNorm.defaultEpsilon, kernels: any Kernels) {
        precondition(inputShape.rank == 1 || inputShape.rank == 3,
                     "BatchNorm: input \(inputShape) is neither (features) nor (channels, height, width)")
        self.inputShape = inputShape
        self.channels = inputShape[0]
        self.spatial = inputShape.rank == 3 ? inputShape[1] * inputShape[2] : 1
        self.momentum = momentum
        self.epsilon = epsilon
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        let c = Shape(channels)
        let g = try arena.allocate(c, name: "BatchNorm gamma")
        let b = try arena.allocate(c, name: "BatchNorm beta")
        let dg = try arena.allocateGradient(c, name: "BatchNorm gamma gradient")
        let db = try arena.allocateGradient(c, name: "BatchNorm beta gradient")
        runningMean = try arena.allocate(c, name: "BatchNorm running mean")
        runningVariance = try arena.allocate(c, name: "BatchNorm running variance")
        batchMean = try arena.allocate(c, name: "BatchNorm batch mean")
        invStd = try arena.allocate(c, name: "BatchNorm inverse std")
        output = try arena.allocate(inputShape.prepending(maxBatch), name: "BatchNorm output")
        inputGradient = computesInputGradient
            ? try arena.allocate(inputShape.prepending(maxBatch), name: "BatchNorm input gradient") : nil
        gamma = g; beta = b; gammaGradient = dg; betaGradient = db
        parameters = [
            Parameter(name: "gamma", value: g, gradient: dg, decays: false),
            Parameter(name: "beta", value: b, gradient: db, decays: false),
        ]
    }

    public func initializeParameters(using rng: inout SeededGenerator) {
        gamma!.fill(1)
        beta!.fill(0)
        runningMean!.fill(0)
        runningVariance!.fill(0)
    }

    public var persistentState: [NamedTensor] {
        guard let runningMean, let runningVariance else { return [] }
        return [NamedTensor(name: "running_mean", tensor: runningMean),
                NamedTensor(name: "running_var", tensor: runningVariance)]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let y = output!.leading(batch)
        if training {
            kernels.batchNormTrainingForward(input.pointer, batch: batch, channels: channels, spatial: spatial,
                                             gamma: gamma!.pointer, beta: beta!.pointer,
                                             eps: epsilon, momentum: momentum,
                                             runningMean: runningMean!.pointer, runningVariance: runningVariance!.pointer,
                                             batchMean: batchMean!.pointer, invStd: invStd!.pointer, relu: appliesReLU,
                                             into: y.pointer)
            lastBatch = batch
            lastInput = UnsafePointer(input.pointer)
        } else {
            kernels.batchNormInferenceForward(input.pointer, batch: batch, channels: channels, spatial: spatial,
                                              gamma: gamma!.pointer, beta: beta!.pointer, eps: epsilon,
                                              runningMean: runningMean!.pointer, runningVariance: runningVariance!.pointer,
                                              relu: appliesReLU, into: y.pointer)
        }
        return y
    }

    /// The backward of a training forward (the only kind that is trained).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        let batch = lastBatch
        let dx = inputGradient?.leading(batch)
        guard let lastInput else { preconditionFailure("BatchNorm: backward without a training forward") }
        kernels.batchNormBackward(gradOutput.pointer, input: lastInput, batchMean: batchMean!.pointer, invStd: invStd!.pointer,
                                  gamma: gamma!.pointer, beta: beta!.pointer, relu: appliesReLU,
                                  batch: batch, channels: channels, spatial: spatial,
                                  dgamma: gammaGradient!.pointer, dbeta: betaGradient!.pointer,
                                  into: computesInputGradient ? dx?.pointer : nil)
        guard computesInputGradient, let dx else { return Tensor(pointer: gradOutput.pointer, shape: Shape(0)) }
        return dx
    }
}
