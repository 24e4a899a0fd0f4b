/// Which int8 step each layer of a spec becomes; the same for the quantizer
/// and the loader, so a file needs to store only tensors.
///
/// - An Affine or Conv2D becomes an int8 product; a ReLU right after it is
///   fused into its output stage (clamp at the zero point).
/// - MaxPool runs on the bytes (quantization keeps order).
/// - A ReLU, Sigmoid or Tanh that cannot be fused becomes a 256-entry table.
/// - Flatten and Dropout (identity at inference) vanish.
/// - The last product writes float logits.
/// - BatchNorm has no step: ``Quantizer`` folds it into the product before
///   it (``BatchNormFolding``) and plans the folded spec.
public struct QuantizationPlan: Equatable, Sendable {
    public enum Step: Equatable, Sendable {
        /// Layer `layer` (affine or conv), its ReLU fused when `relu`; its
        /// output is the float network's output of layer `output`.
        case product(layer: Int, relu: Bool, output: Int)
        case maxPool(layer: Int)
        case table(layer: Int)
    }

    public let steps: [Step]
    /// One sample's shape after each layer of the spec.
    public let shapes: [[Int]]

    public init(spec: NetworkSpec) throws {
        let shapes = try spec.outputShapes()
        var steps: [Step] = []
        var i = 0
        let layers = spec.layers
        while i < layers.count {
            switch layers[i] {
            case .affine, .conv2d:
                let relu = i + 1 < layers.count && layers[i + 1] == .relu
                steps.append(.product(layer: i, relu: relu, output: relu ? i + 1 : i))
                i += relu ? 2 : 1
            case .maxPool:
                steps.append(.maxPool(layer: i)); i += 1
            case .relu, .sigmoid, .tanh:
                steps.append(.table(layer: i)); i += 1
            case .flatten, .dropout:
                i += 1
            case .batchNorm:
                throw QuantizationError("layer \(i) (batchnorm): int8 plans a spec without BatchNorm; fold it into the layer before it first (BatchNormFolding)")
            }
        }
        guard case .product? = steps.last else {
            throw QuantizationError("int8 quantization needs the network to end with an affine or conv layer (\(spec.summary))")
        }
        guard let first = steps.first, case .product = first else {
            throw QuantizationError("int8 quantization needs the network to start with an affine or conv layer (\(spec.summary))")
        }
        for case let .product(layer, _, _) in steps {
            let k: Int
            if case let .conv2d(_, kernel, _, _) = layers[layer] {
                let input = layer == 0 ? spec.inputShape : shapes[layer - 1]
                k = input[0] * kernel * kernel
            } else {
                k = (layer == 0 ? spec.inputShape : shapes[layer - 1]).reduce(1, *)
            }
            guard k <= Self.maximumInputs else {
                throw QuantizationError("layer \(layer) (\(layers[layer])): \(k) inputs per output exceed the int8 limit of \(Self.maximumInputs)")
            }
        }
        self.steps = steps
        self.shapes = shapes
    }

    /// The most inputs one int8 output may sum (int32 sums cannot overflow).
    public static let maximumInputs = 32768
}
