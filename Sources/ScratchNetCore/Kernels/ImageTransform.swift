/// One sample's augmentation: mirror left-right when `flip`, then shift by
/// (dx, dy) pixels; pixels shifted in from outside the image are 0.
///
/// Laid out as three 32-bit integers (flip as 0 or 1, dx, dy), the layout
/// the C gather reads, so a buffer of transforms reaches it without a copy.
public struct ImageTransform: Equatable, Hashable, Sendable {
    var flipFlag: Int32
    var shiftX: Int32
    var shiftY: Int32

    public init(flip: Bool = false, dx: Int = 0, dy: Int = 0) {
        flipFlag = flip ? 1 : 0
        shiftX = Int32(dx)
        shiftY = Int32(dy)
    }

    public static let identity = ImageTransform()

    public var flip: Bool {
        get { flipFlag != 0 }
        set { flipFlag = newValue ? 1 : 0 }
    }
    /// Pixels to the right (negative: left).
    public var dx: Int {
        get { Int(shiftX) }
        set { shiftX = Int32(newValue) }
    }
    /// Pixels down (negative: up).
    public var dy: Int {
        get { Int(shiftY) }
        set { shiftY = Int32(newValue) }
    }
}
