/// Named architectures the CLI and tests can ask for by name.
public enum Preset: String, CaseIterable, Sendable {
    /// The book's ch. 5 TwoLayerNet on 28×28 images: 784-100-10 with ReLU.
    case twoLayer = "two-layer"
    /// A multi-layer perceptron with any hidden sizes (default 256-256-256).
    case mlp

    /// The spec for images of `inputShape` with `classes` classes.
    /// - Parameters:
    ///   - hidden: hidden layer sizes for `.mlp` (ignored by `.twoLayer`).
    ///   - activation: `.relu` or `.sigmoid` between affine layers.
    public func spec(inputShape: [Int] = [1, 28, 28], classes: Int = 10, hidden: [Int]? = nil,
                     activation: LayerSpec = .relu, initializer: WeightInitializer = .he,
                     weightDecay: Float = 0) -> NetworkSpec {
        let sizes: [Int]
        switch self {
        case .twoLayer: sizes = [100]
        case .mlp: sizes = hidden ?? [256, 256, 256]
        }
        var layers: [LayerSpec] = []
        for size in sizes {
            layers.append(.affine(outputs: size))
            layers.append(activation)
        }
        layers.append(.affine(outputs: classes))
        return NetworkSpec(inputShape: inputShape, layers: layers, initializer: initializer,
                           weightDecay: weightDecay, preset: rawValue)
    }
}
