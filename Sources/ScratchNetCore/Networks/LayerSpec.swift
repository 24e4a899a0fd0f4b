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

    /// The most elements one sample's tensor (an activation, a layer's
    /// weights, a convolution's unfolded image) may have: 2²⁸ floats (1 GiB).
    /// Specs come from model files; this keeps every size of a layer far
    /// inside `Int` and the C kernels' 32-bit dimensions.
    public static let elementLimit = 1 << 28

    /// The output shape of one sample of `inputShape` through this layer,
    /// every size computed with overflow checks and bounded by
    /// ``elementLimit``; throws a ``NetworkShapeError`` naming the layer
    /// when the layer does not fit its input.
    public func outputShape(for inputShape: [Int], index: Int) throws -> [Int] {
        func fail(_ message: String) -> NetworkShapeError {
            NetworkShapeError(layerIndex: index, layer: description, message: message)
        }
        let limit = Self.elementLimit
        func count(_ factors: [Int], _ what: String) throws -> Int {
            do {
                return try CheckedSize.product(factors, field: what, source: "layer \(index)", limit: limit)
            } catch {
                throw fail("\(what) \(factors.map(String.init).joined(separator: "×")) exceeds \(limit) elements")
            }
        }
        guard (1...3).contains(inputShape.count), inputShape.allSatisfy({ $0 > 0 }) else {
            throw fail("input shape \(inputShape) must have 1 to 3 positive dimensions")
        }
        let features = try count(inputShape, "input")
        /// "H×W" of the input padded by `padding` on each side (for messages).
        func padded(_ padding: Int) -> String {
            let (twice, o1) = padding.multipliedReportingOverflow(by: 2)
            let (h, o2) = inputShape[1].addingReportingOverflow(twice)
            let (w, o3) = inputShape[2].addingReportingOverflow(twice)
            return o1 || o2 || o3 ? "beyond Int" : "\(h)×\(w)"
        }
        func image() throws -> (c: Int, h: Int, w: Int) {
            guard inputShape.count == 3 else {
                throw fail("needs an image input (channels, height, width), got \(Shape(inputShape))")
            }
            return (inputShape[0], inputShape[1], inputShape[2])
        }
        switch self {
        case .affine(let outputs):
            guard outputs > 0 else { throw fail("needs at least one output, got \(outputs)") }
            _ = try count([features, outputs], "weights")
            return [outputs]
        case .relu, .sigmoid, .tanh, .dropout, .batchNorm:
            return inputShape
        case .flatten:
            return [features]
        case let .conv2d(filters, kernel, stride, padding):
            let (c, h, w) = try image()
            guard filters > 0, kernel > 0, stride > 0, padding >= 0 else {
                throw fail("filters, kernel and stride must be > 0 and padding >= 0")
            }
            // A window that lies wholly in the padding sees only zeros.
            guard padding < kernel else { throw fail("padding \(padding) must be smaller than the kernel \(kernel)") }
            guard let oh = WindowGeometry.outputLength(input: h, window: kernel, stride: stride, padding: padding),
                  let ow = WindowGeometry.outputLength(input: w, window: kernel, stride: stride, padding: padding) else {
                throw fail("kernel \(kernel)×\(kernel) exceeds the padded input \(padded(padding)) (input \(Shape(inputShape)), padding \(padding))")
            }
            guard stride <= max(h, w) + 2 * padding else {
                throw fail("stride \(stride) is larger than the padded input (input \(Shape(inputShape)), padding \(padding))")
            }
            _ = try count([filters, c, kernel, kernel], "weights")
            _ = try count([c, kernel, kernel, oh, ow], "unfolded image")
            _ = try count([filters, oh, ow], "output")
            return [filters, oh, ow]
        case let .maxPool(size, stride, padding):
            let (c, h, w) = try image()
            guard size > 0, stride > 0, padding >= 0 else {
                throw fail("size and stride must be > 0 and padding >= 0")
            }
            guard padding <= size / 2 else {
                throw fail("padding \(padding) is more than half the window \(size)×\(size)")
            }
            guard let oh = WindowGeometry.outputLength(input: h, window: size, stride: stride, padding: padding),
                  let ow = WindowGeometry.outputLength(input: w, window: size, stride: stride, padding: padding) else {
                throw fail("window \(size)×\(size) exceeds the padded input \(padded(padding)) (input \(Shape(inputShape)), padding \(padding))")
            }
            guard stride <= max(h, w) + 2 * padding else {
                throw fail("stride \(stride) is larger than the padded input (input \(Shape(inputShape)), padding \(padding))")
            }
            _ = try count([c, oh, ow], "output")
            return [c, oh, ow]
        }
    }

    /// Makes the layer for inputs of `inputShape` (one sample), or says why not.
    func makeLayer(inputShape: Shape, initializer: WeightInitializer, kernels: any Kernels,
                   index: Int) throws -> any Layer {
        func fail(_ message: String) -> NetworkShapeError {
            NetworkShapeError(layerIndex: index, layer: description, message: message)
        }
        // Every size below is then known to fit.
        _ = try outputShape(for: inputShape.dims, index: index)
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
            guard padding <= size / 2 else {
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
