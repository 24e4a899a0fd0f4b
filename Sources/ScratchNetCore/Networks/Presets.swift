/// Named architectures the CLI and tests can ask for by name.
public enum Preset: String, CaseIterable, Sendable {
    /// The book's ch. 5 TwoLayerNet on 28×28 images: 784-100-10 with ReLU.
    case twoLayer = "two-layer"
    /// A multi-layer perceptron with any hidden sizes (default 256-256-256);
    /// with `batchNorm`/`dropout` it is the book's `MultiLayerNetExtend`.
    case mlp
    /// The book's ch. 7 SimpleConvNet: conv 30×5×5 → ReLU → max-pool 2 →
    /// affine 100 → ReLU → affine 10.
    case simpleCNN = "simple-cnn"
    /// The book's ch. 8 DeepConvNet: six 3×3 convolutions (16, 16, 32, 32,
    /// 64, 64; the fourth with padding 2) with a max-pool after every two,
    /// then affine 50 → ReLU → dropout 0.5 → affine 10.
    case deepCNN = "deep-cnn"
    /// A network built for time to accuracy on 28×28 images: three blocks
    /// of conv 3×3 (padding 1) → BatchNorm → ReLU → max-pool 2 with
    /// ``fastCNNWidths`` filters (28 → 14 → 7 → 3), then affine
    /// ``fastCNNHead`` → ReLU → affine to the classes. `hidden` gives other
    /// widths (1 to 4 blocks).
    /// Why this shape: BatchNorm lets a high learning rate train it in few
    /// epochs; pooling after every convolution keeps the later, wider
    /// layers cheap; the hidden affine layer adds capacity for a few
    /// percent of the convolutions' FLOPs.
    case fastCNN = "fast-cnn"

    /// fast-cnn's filters per block, chosen by test accuracy per second of
    /// training (Docs/Recipes.md, "Choosing the architecture").
    public static let fastCNNWidths = [24, 48, 96]

    /// fast-cnn's hidden affine width, chosen the same way.
    public static let fastCNNHead = 256

    /// The spec for images of `inputShape` with `classes` classes.
    /// - Parameters:
    ///   - hidden: hidden layer sizes for `.mlp`, the blocks' filters for
    ///     `.fastCNN` (ignored by the others).
    ///   - activation: `.relu`, `.sigmoid` or `.tanh` between the layers of
    ///     the perceptrons (the convolutional presets use ReLU, as the book).
    ///   - batchNorm: for `.twoLayer` and `.mlp`, a BatchNorm after each
    ///     hidden affine, before its activation (ignored by the CNNs).
    ///   - dropout: for `.twoLayer` and `.mlp`, dropout with this ratio after
    ///     each hidden activation (ignored by the CNNs; deep-cnn has its own).
    public func spec(inputShape: [Int] = [1, 28, 28], classes: Int = 10, hidden: [Int]? = nil,
                     activation: LayerSpec = .relu, initializer: WeightInitializer = .he,
                     weightDecay: Float = 0, batchNorm: Bool = false, dropout: Float? = nil) -> NetworkSpec {
        switch self {
        case .twoLayer, .mlp:
            let sizes = self == .twoLayer ? [100] : (hidden ?? [256, 256, 256])
            var spec = NetworkSpec.multiLayer(inputShape: inputShape, hidden: sizes, outputs: classes,
                                              activation: activation, initializer: initializer,
                                              weightDecay: weightDecay, batchNorm: batchNorm, dropout: dropout)
            spec.preset = rawValue
            return spec
        case .simpleCNN:
            return NetworkSpec(inputShape: inputShape, layers: [
                .conv2d(filters: 30, kernel: 5, stride: 1, padding: 0), .relu,
                .maxPool(size: 2, stride: 2),
                .affine(outputs: 100), .relu,
                .affine(outputs: classes),
            ], initializer: initializer, weightDecay: weightDecay, preset: rawValue)
        case .fastCNN:
            var layers: [LayerSpec] = []
            for width in hidden ?? Self.fastCNNWidths {
                layers += [.conv2d(filters: width, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu,
                           .maxPool(size: 2, stride: 2)]
            }
            layers += [.affine(outputs: Self.fastCNNHead), .relu, .affine(outputs: classes)]
            return NetworkSpec(inputShape: inputShape, layers: layers, initializer: initializer,
                               weightDecay: weightDecay, preset: rawValue)
        case .deepCNN:
            // The book also applies Dropout(0.5) to the logits (after the last
            // affine), which only adds noise to the softmax input; left out.
            return NetworkSpec(inputShape: inputShape, layers: [
                .conv2d(filters: 16, kernel: 3, padding: 1), .relu,
                .conv2d(filters: 16, kernel: 3, padding: 1), .relu,
                .maxPool(size: 2, stride: 2),
                .conv2d(filters: 32, kernel: 3, padding: 1), .relu,
                .conv2d(filters: 32, kernel: 3, padding: 2), .relu,
                .maxPool(size: 2, stride: 2),
                .conv2d(filters: 64, kernel: 3, padding: 1), .relu,
                .conv2d(filters: 64, kernel: 3, padding: 1), .relu,
                .maxPool(size: 2, stride: 2),
                .affine(outputs: 50), .relu,
                .dropout(ratio: 0.5),
                .affine(outputs: classes),
            ], initializer: initializer, weightDecay: weightDecay, preset: rawValue)
        }
    }
}

extension NetworkSpec {
    /// The book's `MultiLayerNetExtend`: affine layers of the `hidden`
    /// sizes, each followed by [BatchNorm] → activation → [Dropout], then an
    /// affine layer of `outputs` class scores.
    /// - Parameters:
    ///   - activation: `.relu`, `.sigmoid` or `.tanh`.
    ///   - batchNorm: BatchNorm after each hidden affine, before the activation.
    ///   - dropout: the dropout ratio after each hidden activation; nil for none.
    public static func multiLayer(inputShape: [Int], hidden: [Int], outputs: Int,
                                  activation: LayerSpec = .relu, initializer: WeightInitializer = .he,
                                  weightDecay: Float = 0, batchNorm: Bool = false,
                                  dropout: Float? = nil) -> NetworkSpec {
        precondition([.relu, .sigmoid, .tanh].contains(activation),
                     "NetworkSpec.multiLayer: activation must be relu, sigmoid or tanh, got \(activation)")
        var layers: [LayerSpec] = []
        for size in hidden {
            layers.append(.affine(outputs: size))
            if batchNorm { layers.append(.batchNorm) }
            layers.append(activation)
            if let dropout { layers.append(.dropout(ratio: dropout)) }
        }
        layers.append(.affine(outputs: outputs))
        return NetworkSpec(inputShape: inputShape, layers: layers, initializer: initializer,
                           weightDecay: weightDecay)
    }
}
