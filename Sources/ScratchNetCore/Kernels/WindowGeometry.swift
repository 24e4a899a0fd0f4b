/// Where a sliding window (a convolution's filter, a pooling window) goes
/// over a batch of NCHW images.
///
/// Output sizes follow the book's `conv_output_size` with floor division:
/// `OH = (H + 2·padding − kernelHeight) / stride + 1`. A window that does not
/// fit is a shape mistake the layer reports when the network is built.
public struct WindowGeometry: Equatable, Sendable {
    public var batch: Int
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int

    public init(batch: Int, channels: Int, height: Int, width: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    /// Windows along one axis of `input` pixels, or nil when the window does
    /// not fit the padded input or a size overflows: the check for sizes
    /// read from a model file or a flag, before any geometry is made.
    public static func outputLength(input: Int, window: Int, stride: Int, padding: Int) -> Int? {
        guard input > 0, window > 0, stride > 0, padding >= 0 else { return nil }
        let (twice, o1) = padding.multipliedReportingOverflow(by: 2)
        let (padded, o2) = input.addingReportingOverflow(twice)
        guard !o1, !o2, window <= padded else { return nil }
        return (padded - window) / stride + 1
    }

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Output pixels per image and channel.
    public var outputPixels: Int { outputHeight * outputWidth }
    /// Entries of one window (one im2col row in the book): C·FH·FW.
    public var windowSize: Int { channels * kernelHeight * kernelWidth }
    /// Windows in the batch (the book's im2col rows): N·OH·OW.
    public var windowCount: Int { batch * outputPixels }

    /// The same geometry for another batch size.
    public func withBatch(_ n: Int) -> WindowGeometry {
        var g = self
        g.batch = n
        return g
    }
}
