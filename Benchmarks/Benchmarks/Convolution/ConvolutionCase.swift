import ScratchNet

/// One convolutional layer of the book's networks, at the benchmark batch.
struct ConvolutionCase: Sendable {
    enum Kind: Sendable {
        /// Conv2D with `filters` square kernels of `kernel` and this padding (stride 1).
        case conv(filters: Int, kernel: Int, padding: Int, firstLayer: Bool)
        /// MaxPool of 2×2 windows, stride 2.
        case maxPool
    }

    var name: String
    var inputShape: Shape
    var kind: Kind

    static let batch = 100

    /// Direct-convolution floating-point operations of one pass over the
    /// batch (2·FN·C·FH·FW·OH·OW per image forward; the backward does that
    /// once for dW and once more for dx unless this is a first layer); 0 for pooling.
    func flops(backward: Bool) -> Double {
        guard case .conv(let filters, let kernel, let padding, let firstLayer) = kind else { return 0 }
        let oh = inputShape[1] + 2 * padding - kernel + 1, ow = inputShape[2] + 2 * padding - kernel + 1
        let forward = 2.0 * Double(Self.batch * filters * inputShape[0] * kernel * kernel * oh * ow)
        return backward ? forward * (firstLayer ? 1 : 2) : forward
    }

    static func conv(_ name: String, _ c: Int, _ h: Int, filters: Int, kernel: Int = 3, padding: Int = 1,
                     firstLayer: Bool = false) -> ConvolutionCase {
        ConvolutionCase(name: name, inputShape: Shape(c, h, h),
                        kind: .conv(filters: filters, kernel: kernel, padding: padding, firstLayer: firstLayer))
    }

    static func pool(_ name: String, _ c: Int, _ h: Int) -> ConvolutionCase {
        ConvolutionCase(name: name, inputShape: Shape(c, h, h), kind: .maxPool)
    }

    /// Every convolution and pooling layer of the two presets, in network order.
    static let all: [ConvolutionCase] = [
        // SimpleConvNet: 30 filters 5×5 on 1×28×28 → 30×24×24 (a first layer:
        // no input gradient), then 2×2 pooling to 30×12×12.
        conv("simple-cnn.conv", 1, 28, filters: 30, kernel: 5, padding: 0, firstLayer: true),
        pool("simple-cnn.pool", 30, 24),
        // DeepConvNet: 3×3 convolutions 16, 16 on 28×28; 32, 32 on 14×14 (the
        // fourth with padding 2: 16×16 out); 64, 64 on 8×8; a pool after each pair.
        conv("deep-cnn.conv1", 1, 28, filters: 16, firstLayer: true),
        conv("deep-cnn.conv2", 16, 28, filters: 16),
        pool("deep-cnn.pool1", 16, 28),
        conv("deep-cnn.conv3", 16, 14, filters: 32),
        conv("deep-cnn.conv4", 32, 14, filters: 32, padding: 2),
        pool("deep-cnn.pool2", 32, 16),
        conv("deep-cnn.conv5", 32, 8, filters: 64),
        conv("deep-cnn.conv6", 64, 8, filters: 64),
        pool("deep-cnn.pool3", 64, 8),
    ]
}
