/// A whole network as data: input shape, layers, initializer, weight decay.
///
/// The last layer's output is the logits fed to the softmax-with-loss head,
/// so its size is the number of classes.
public struct NetworkSpec: Equatable, Sendable, Codable {
    /// One sample's shape, e.g. [1, 28, 28] for a grayscale image.
    public var inputShape: [Int]
    public var layers: [LayerSpec]
    public var initializer: WeightInitializer
    /// L2 penalty λ: the loss gains 0.5·λ·ΣW² and each weight gradient λ·W.
    public var weightDecay: Float
    /// The preset this spec came from, if any (for messages and files).
    public var preset: String?

    public init(inputShape: [Int], layers: [LayerSpec], initializer: WeightInitializer = .he,
                weightDecay: Float = 0, preset: String? = nil) {
        self.inputShape = inputShape
        self.layers = layers
        self.initializer = initializer
        self.weightDecay = weightDecay
        self.preset = preset
    }

    /// Each layer's output shape for one sample, checked layer by layer
    /// (see ``LayerSpec/outputShape(for:index:)``): the whole spec's sizes
    /// without building anything, for specs read from files.
    public func outputShapes() throws -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        for (index, layer) in layers.enumerated() {
            shape = try layer.outputShape(for: shape, index: index)
            shapes.append(shape)
        }
        return shapes
    }

    /// A one-line summary: "1×28×28 → affine(100) → relu → affine(10)".
    public var summary: String {
        ([Shape(inputShape).description] + layers.map(\.description)).joined(separator: " → ")
    }
}
