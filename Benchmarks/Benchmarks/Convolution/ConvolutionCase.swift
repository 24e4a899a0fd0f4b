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

    static let all: [ConvolutionCase] = [
        // SimpleConvNet's only conv: 30 filters 5×5 on 1×28×28 → 30×24×24. A
        // first layer: no input gradient.
        ConvolutionCase(name: "simple-cnn.conv", inputShape: Shape(1, 28, 28),
                        kind: .conv(filters: 30, kernel: 5, padding: 0, firstLayer: true)),
        // Its pooling: 30×24×24 → 30×12×12.
        ConvolutionCase(name: "simple-cnn.pool", inputShape: Shape(30, 24, 24), kind: .maxPool),
        // DeepConvNet's second conv (16×28×28 → 16×28×28, 3×3, padding 1) and
        // fourth (32×14×14 → 32×16×16, padding 2): inner layers, with input gradients.
        ConvolutionCase(name: "deep-cnn.conv2", inputShape: Shape(16, 28, 28),
                        kind: .conv(filters: 16, kernel: 3, padding: 1, firstLayer: false)),
        ConvolutionCase(name: "deep-cnn.conv4", inputShape: Shape(32, 14, 14),
                        kind: .conv(filters: 32, kernel: 3, padding: 2, firstLayer: false)),
    ]
}
