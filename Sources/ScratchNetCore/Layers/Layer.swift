/// One stage of a network, with a forward pass and its backward pass.
///
/// A layer is made knowing the shape of one input sample (so a network's
/// shape mistakes surface when it is built), then *bound* to an ``Arena``
/// where it takes its parameters, gradients, outputs and scratch for the
/// largest batch. After binding, `forward` and `backward` never allocate.
///
/// `forward` keeps what `backward` needs (its input, its output, a mask) in
/// the layer; `backward` takes the gradient of the loss with respect to the
/// layer's output and returns the gradient with respect to its input, and
/// writes (not accumulates: a sequential network never shares parameters)
/// the gradients of its parameters.
public protocol Layer: AnyObject {
    /// A short description for messages ("Affine(784→100)").
    var name: String { get }
    /// The shape of one input sample.
    var inputShape: Shape { get }
    /// The shape of one output sample.
    var outputShape: Shape { get }
    /// The layer's trainable tensors with their gradients; empty before binding.
    var parameters: [Parameter] { get }
    /// When false (the first layer), `backward` may skip computing the input
    /// gradient and return an empty view; set by the network.
    var computesInputGradient: Bool { get set }

    /// Takes every buffer the layer needs for batches of up to `maxBatch`.
    /// Binding again (after a measuring pass) replaces the buffers.
    func bind(to arena: Arena, maxBatch: Int) throws

    /// Draws the initial parameter values.
    func initializeParameters(using rng: inout SeededGenerator)

    /// `input` is (batch, inputShape...); returns (batch, outputShape...).
    func forward(_ input: Tensor, training: Bool) -> Tensor

    /// `gradOutput` is (batch, outputShape...); returns (batch, inputShape...).
    func backward(_ gradOutput: Tensor) -> Tensor

    /// Non-trainable tensors that belong in a model file (BatchNorm's running
    /// mean and variance), named locally ("running_mean").
    var persistentState: [NamedTensor] { get }

    /// A layer that draws random numbers while training (Dropout) owns a
    /// generator; checkpoints save and restore it so a resumed run repeats
    /// the uninterrupted one exactly. nil for deterministic layers.
    var generator: SeededGenerator? { get set }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public func initializeParameters(using rng: inout SeededGenerator) {}
    public var persistentState: [NamedTensor] { [] }
    public var generator: SeededGenerator? {
        get { nil }
        set { precondition(newValue == nil, "\(name) has no random generator") }
    }
}

/// A tensor with a name, for state that is saved but not trained.
public struct NamedTensor {
    public var name: String
    public let tensor: Tensor
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// A trainable tensor, the gradient the backward pass writes for it, and
/// whether weight decay applies (weights yes, biases and BatchNorm no).
public struct Parameter {
    public var name: String
    public let value: Tensor
    public let gradient: Tensor
    public let decays: Bool

    public init(name: String, value: Tensor, gradient: Tensor, decays: Bool) {
        self.name = name
        self.value = value
        self.gradient = gradient
        self.decays = decays
    }
}

/// A shape mistake found while building a network.
public struct NetworkShapeError: Error, CustomStringConvertible, Equatable {
    public let layerIndex: Int
    public let layer: String
    public let message: String

    public init(layerIndex: Int, layer: String, message: String) {
        self.layerIndex = layerIndex
        self.layer = layer
        self.message = message
    }

    public var description: String { "network: layer \(layerIndex) (\(layer)): \(message)" }
}
