/// A layer as data: what a network is made of, before any memory exists.
///
/// Specs are what presets produce, what model files store as their
/// architecture, and what ``Network`` builds layers from. Cases added later
/// keep the encoding of the earlier ones (Codable's synthesized form).
public enum LayerSpec: Equatable, Sendable, Codable, CustomStringConvertible {
    case affine(outputs: Int)
    case relu
    case sigmoid
    case tanh
    /// Inverted dropout dropping each unit with probability `ratio` in [0, 1).
    case dropout(ratio: Float)
    /// Per feature on vectors, per channel on images.
    case batchNorm
    /// `filters` square kernels of `kernel`×`kernel` over (C, H, W) inputs.
    case conv2d(filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0)
    /// Square `size`×`size` max pooling over (C, H, W) inputs.
    case maxPool(size: Int, stride: Int, padding: Int = 0)
    case flatten

    public var description: String {
        switch self {
        case .affine(let n): return "affine(\(n))"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .dropout(let ratio): return "dropout(\(ratio))"
        case .batchNorm: return "batchnorm"
        case let .conv2d(filters, kernel, stride, padding):
            return "conv\(kernel)x\(kernel)(\(filters), stride \(stride), pad \(padding))"
        case let .maxPool(size, stride, padding):
            return "maxpool\(size)x\(size)(stride \(stride), pad \(padding))"
        case .flatten: return "flatten"
        }
    }

    /// Makes the layer for inputs of `inputShape` (one sample), or says why not.
    func makeLayer(inputShape: Shape, initializer: WeightInitializer, kernels: any Kernels,
                   index: Int) throws -> any Layer {
        func fail(_ message: String) -> NetworkShapeError {
            NetworkShapeError(layerIndex: index, layer: description, message: message)
        }
        func requireImage() throws {
            guard inputShape.rank == 3 else {
                throw fail("needs an image input (channels, height, width), got \(inputShape)")
            }
        }
        switch self {
        case .affine(let outputs):
            guard outputs > 0 else { throw fail("needs at least one output, got \(outputs)") }
            return Affine(inputShape: inputShape, outputs: outputs, initializer: initializer, kernels: kernels)
        case .relu:
            return ReLU(inputShape: inputShape, kernels: kernels)
        case .sigmoid:
            return Sigmoid(inputShape: inputShape, kernels: kernels)
        case .tanh:
            return Tanh(inputShape: inputShape, kernels: kernels)
        case .dropout(let ratio):
            guard ratio >= 0, ratio < 1 else { throw fail("ratio must be in [0, 1), got \(ratio)") }
            return Dropout(inputShape: inputShape, ratio: ratio, kernels: kernels)
        case .batchNorm:
            guard inputShape.rank == 1 || inputShape.rank == 3 else {
                throw fail("needs features (D) or an image (channels, height, width), got \(inputShape)")
            }
            return BatchNorm(inputShape: inputShape, kernels: kernels)
        case let .conv2d(filters, kernel, stride, padding):
            try requireImage()
            guard filters > 0, kernel > 0, stride > 0, padding >= 0 else {
                throw fail("filters, kernel and stride must be > 0 and padding >= 0")
            }
            let (h, w) = (inputShape[1] + 2 * padding, inputShape[2] + 2 * padding)
            guard kernel <= h, kernel <= w else {
                throw fail("kernel \(kernel)×\(kernel) exceeds the padded input \(h)×\(w) (input \(inputShape), padding \(padding))")
            }
            return Conv2D(inputShape: inputShape, filters: filters, kernel: kernel, stride: stride,
                          padding: padding, initializer: initializer, kernels: kernels)
        case let .maxPool(size, stride, padding):
            try requireImage()
            guard size > 0, stride > 0, padding >= 0 else {
                throw fail("size and stride must be > 0 and padding >= 0")
            }
            guard 2 * padding <= size else {
                throw fail("padding \(padding) is more than half the window \(size)×\(size)")
            }
            let (h, w) = (inputShape[1] + 2 * padding, inputShape[2] + 2 * padding)
            guard size <= h, size <= w else {
                throw fail("window \(size)×\(size) exceeds the padded input \(h)×\(w) (input \(inputShape), padding \(padding))")
            }
            return MaxPool(inputShape: inputShape, size: size, stride: stride, padding: padding, kernels: kernels)
        case .flatten:
            return Flatten(inputShape: inputShape)
        }
    }
}
