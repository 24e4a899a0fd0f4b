/// A layer as data: what a network is made of, before any memory exists.
///
/// Specs are what presets produce, what model files store as their
/// architecture, and what ``Network`` builds layers from.
public enum LayerSpec: Equatable, Sendable, Codable, CustomStringConvertible {
    case affine(outputs: Int)
    case relu
    case sigmoid

    public var description: String {
        switch self {
        case .affine(let n): return "affine(\(n))"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        }
    }

    /// Makes the layer for inputs of `inputShape` (one sample), or says why not.
    func makeLayer(inputShape: Shape, initializer: WeightInitializer, kernels: any Kernels,
                   index: Int) throws -> any Layer {
        switch self {
        case .affine(let outputs):
            guard outputs > 0 else {
                throw NetworkShapeError(layerIndex: index, layer: description, message: "needs at least one output, got \(outputs)")
            }
            return Affine(inputShape: inputShape, outputs: outputs, initializer: initializer, kernels: kernels)
        case .relu:
            return ReLU(inputShape: inputShape, kernels: kernels)
        case .sigmoid:
            return Sigmoid(inputShape: inputShape, kernels: kernels)
        }
    }
}
