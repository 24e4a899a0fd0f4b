/// The integer building blocks of int8 inference (``QuantizedNetwork``).
///
/// Two implementations: ``FastInt8Kernels`` (C: AVX-512 VNNI, AVX2 or
/// generic, chosen by the CPU) and ``NaiveKernels`` (plain Swift, the
/// oracle). Sums are exact integers and the output stage is the same few
/// float operations in both, so they agree bit for bit.
///
/// Activations are uint8 with a per-tensor ``QuantizationParameters``;
/// weights are int8 in [-127, 127], one row per output channel (the
/// quantizer writes [-64, 64], which AVX2's fastest path needs).
public protocol Int8Kernels {
    /// Bytes of packed weights ``packWeights(_:outputs:inputs:into:)`` writes.
    func packedWeightBytes(outputs: Int, inputs: Int) -> Int

    /// Rearranges w (outputs, inputs) row-major into the layout the
    /// products read (once, at load).
    func packWeights(_ w: UnsafePointer<Int8>, outputs: Int, inputs: Int, into packed: UnsafeMutablePointer<Int8>)

    /// out = stage(A·Wᵀ) for A (m, k) uint8 at row stride lda and W (n, k).
    func quantizedProduct(m: Int, n: Int, k: Int, a: UnsafePointer<UInt8>, lda: Int,
                          weights: Int8Weights, output: QuantizedOutputStage)

    /// Bytes of scratch ``quantizedConvolution(_:zeroPoint:weights:output:scratch:geometry:filters:)``
    /// needs at the given thread count.
    func quantizedConvolutionScratchBytes(geometry: WindowGeometry, filters: Int, threads: Int) -> Int

    /// NCHW convolution of uint8 x (padding reads `zeroPoint`) with weights
    /// (filters, C·FH·FW); the stage writes each image's (filters, OH, OW)
    /// plane (its strides are ignored).
    func quantizedConvolution(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                              output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                              geometry: WindowGeometry, filters: Int)

    /// Channels-last (NHWC) convolution of uint8 x (batch, H, W, C) (padding
    /// reads `zeroPoint`) with weights (filters, FH·FW·C), each filter's
    /// window in (fh, fw, c) order; the stage writes (batch, OH, OW, filters)
    /// rows (its strides are ignored). Scratch: the bytes
    /// ``quantizedConvolutionScratchBytes(geometry:filters:threads:)`` gives.
    func quantizedConvolutionChannelsLast(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                          output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                          geometry: WindowGeometry, filters: Int)

    /// ``quantizedConvolutionChannelsLast(_:zeroPoint:weights:output:scratch:geometry:filters:)``
    /// followed by 2×2 max pooling with stride 2 and no padding, in one pass
    /// where the kernels can: the stage writes (batch, OH/2, OW/2, filters)
    /// rows of bytes (OH and OW rounded down, as the pooling's windows are).
    /// The scales must be positive. Scratch: the convolution's.
    func quantizedConvolutionChannelsLastPooled(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                                output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                                geometry: WindowGeometry, filters: Int)

    /// Max pooling on uint8 channels-last images (batch, H, W, C).
    func maxPoolChannelsLast(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry: WindowGeometry)

    /// y = clamp(round-half-even(x·inverseScale) + zeroPoint, 0, 255); NaN → 0.
    func quantize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                  inverseScale: Float, zeroPoint: Int)

    /// y[i] = table[x[i]] (256 entries).
    func lookup(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                table: UnsafePointer<UInt8>)

    /// Max pooling on uint8 NCHW images.
    func maxPool(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry: WindowGeometry)
}

/// One layer's int8 weights: (outputs, inputs) row-major, and the same
/// packed for the C products (unused by the naive kernels).
public struct Int8Weights {
    public var outputs: Int
    public var inputs: Int
    public var rows: UnsafePointer<Int8>
    public var packed: UnsafePointer<Int8>

    public init(outputs: Int, inputs: Int, rows: UnsafePointer<Int8>, packed: UnsafePointer<Int8>) {
        self.outputs = outputs
        self.inputs = inputs
        self.rows = rows
        self.packed = packed
    }
}

/// What a quantized product does with each int32 sum (i, j):
/// `v = Float(sum + bias[j]) · scale[j]`, then either
/// `clamp(v.rounded(.toNearestOrEven) + zeroPoint, lowest, 255)` as a byte
/// (`lowest == zeroPoint` fuses a ReLU) or `v` as a float (with `relu`,
/// max(v, 0)); stored at `i·rowStride + j·columnStride`.
public struct QuantizedOutputStage {
    public enum Destination {
        case bytes(UnsafeMutablePointer<UInt8>, zeroPoint: Int32, lowest: Int32)
        case floats(UnsafeMutablePointer<Float>, relu: Bool)
    }

    public var bias: UnsafePointer<Int32>
    public var scale: UnsafePointer<Float>
    public var destination: Destination
    public var rowStride: Int
    public var columnStride: Int

    public init(bias: UnsafePointer<Int32>, scale: UnsafePointer<Float>, destination: Destination,
                rowStride: Int, columnStride: Int) {
        self.bias = bias
        self.scale = scale
        self.destination = destination
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    /// The stage for sum `sum` of output channel `j`, stored at `offset`
    /// (the reference every implementation matches).
    @inline(__always)
    func store(_ sum: Int32, channel j: Int, at offset: Int) {
        let v = Float(sum + bias[j]) * scale[j]
        switch destination {
        case let .bytes(out, zeroPoint, lowest):
            var r = v.rounded(.toNearestOrEven)
            let lo = Float(lowest - zeroPoint), hi = Float(255 - zeroPoint)
            if !(r >= lo) { r = lo }
            if r > hi { r = hi }
            out[offset] = UInt8(Int32(r) + zeroPoint)
        case let .floats(out, relu):
            out[offset] = relu && v < 0 ? 0 : v
        }
    }
}
