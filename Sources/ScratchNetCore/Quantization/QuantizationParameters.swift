/// How a float tensor is stored as uint8: x ≈ scale · (q − zeroPoint).
///
/// Asymmetric and per tensor, as the AVX2/VNNI instructions want their
/// unsigned operand; a ReLU output gets zeroPoint 0 and all 256 levels for
/// [0, max].
public struct QuantizationParameters: Equatable, Sendable {
    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The parameters covering [min, max] widened to hold 0 (so that zero
    /// padding and a ReLU's zeros are exact).
    public init(min: Float, max: Float) {
        let lo = Swift.min(min, 0), hi = Swift.max(max, 0)
        guard hi > lo, (hi - lo).isFinite else {
            self.init(scale: 1, zeroPoint: 0)
            return
        }
        let scale = (hi - lo) / 255
        let zp = (-lo / scale).rounded(.toNearestOrEven)
        self.init(scale: scale, zeroPoint: Int32(Swift.min(Swift.max(zp, 0), 255)))
    }

    /// The value byte `q` stands for.
    public func dequantize(_ q: UInt8) -> Float { scale * Float(Int32(q) - zeroPoint) }

    /// The byte nearest `x` (half to even), clamped to [0, 255].
    public func quantize(_ x: Float) -> UInt8 {
        var r = (x / scale).rounded(.toNearestOrEven) + Float(zeroPoint)
        if !(r >= 0) { r = 0 }
        if r > 255 { r = 255 }
        return UInt8(r)
    }
}
