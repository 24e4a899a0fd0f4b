/// The dimensions of a tensor, up to rank 4, stored inline.
///
/// Why inline and not `[Int]`: views of arena memory (a batch slice, a
/// reshape) are made on every training step, and an array-backed shape would
/// heap-allocate each time. The arena's promise is zero allocations per step.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public static let maxRank = 4

    public let rank: Int
    private var d0 = 1, d1 = 1, d2 = 1, d3 = 1

    public init(_ a: Int) { rank = 1; d0 = a; Self.check(self) }
    public init(_ a: Int, _ b: Int) { rank = 2; d0 = a; d1 = b; Self.check(self) }
    public init(_ a: Int, _ b: Int, _ c: Int) { rank = 3; d0 = a; d1 = b; d2 = c; Self.check(self) }
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) { rank = 4; d0 = a; d1 = b; d2 = c; d3 = d; Self.check(self) }

    /// A shape from a list of dimensions (1 to 4 of them, none negative).
    public init(_ dims: [Int]) {
        precondition((1...Self.maxRank).contains(dims.count), "Shape: rank \(dims.count) is not in 1...\(Self.maxRank)")
        rank = dims.count
        d0 = dims[0]
        if rank > 1 { d1 = dims[1] }
        if rank > 2 { d2 = dims[2] }
        if rank > 3 { d3 = dims[3] }
        Self.check(self)
    }

    private static func check(_ s: Shape) {
        precondition(s.d0 >= 0 && s.d1 >= 0 && s.d2 >= 0 && s.d3 >= 0, "Shape: negative dimension in \(s)")
    }

    public subscript(axis: Int) -> Int {
        precondition(axis >= 0 && axis < rank, "Shape: axis \(axis) out of range for rank \(rank)")
        switch axis {
        case 0: return d0
        case 1: return d1
        case 2: return d2
        default: return d3
        }
    }

    /// Number of elements.
    public var count: Int { d0 * d1 * d2 * d3 }

    /// The dimensions as an array (allocates; for messages and files, not hot paths).
    public var dims: [Int] { (0..<rank).map { self[$0] } }

    /// The same shape with the leading (batch) dimension replaced.
    public func withLeading(_ n: Int) -> Shape {
        var s = self
        s.d0 = n
        return s
    }

    /// Elements per leading index: the size of one sample when axis 0 is the batch.
    public var countPerLeading: Int { rank == 1 ? 1 : d1 * d2 * d3 }

    /// This shape with a batch axis of size `batch` put in front (rank + 1).
    public func prepending(_ batch: Int) -> Shape {
        switch rank {
        case 1: return Shape(batch, d0)
        case 2: return Shape(batch, d0, d1)
        case 3: return Shape(batch, d0, d1, d2)
        default: preconditionFailure("Shape: cannot add a batch axis to rank-4 \(self)")
        }
    }

    /// The shape without its leading axis (a sample's shape from a batch's).
    public var droppingLeading: Shape {
        switch rank {
        case 1: return Shape(1)
        case 2: return Shape(d1)
        case 3: return Shape(d1, d2)
        default: return Shape(d1, d2, d3)
        }
    }

    public var description: String { dims.map(String.init).joined(separator: "×") }
}
