/// A size computed from numbers that come from outside the program (file
/// headers, command-line flags) was too large for memory or for `Int`.
///
/// The message names what overflowed and where it came from, e.g.
/// `photo.png: image size 4294967295 × 4294967295 is larger than the limit of 67108864`.
public struct SizeOverflow: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file path or flag the factors came from.
    public let source: String
    /// What the product is (e.g. "image size", "IDX dimensions", "tensor 'w' shape").
    public let field: String
    public let factors: [Int]
    /// The largest product allowed.
    public let limit: Int

    public init(source: String, field: String, factors: [Int], limit: Int) {
        self.source = source
        self.field = field
        self.factors = factors
        self.limit = limit
    }

    public var description: String {
        let product = factors.map(String.init).joined(separator: " × ")
        if factors.contains(where: { $0 < 0 }) {
            return "\(source): \(field) \(product) has a negative factor"
        }
        return "\(source): \(field) \(product) is larger than the limit of \(limit)"
    }
}

/// Multiplication of untrusted sizes with overflow detection.
///
/// Dimensions read from a file or a flag must never reach `*` directly: a
/// header claiming 2³² × 2³² traps Swift's overflow check and kills the
/// process instead of reporting a bad file. Every product of such numbers
/// goes through ``product(_:field:source:limit:)``, which throws a
/// ``SizeOverflow`` naming the field and its source.
public enum CheckedSize {
    /// The product of `factors`, which must each be non-negative and whose
    /// product (that of the non-zero ones) must not exceed `limit` nor overflow `Int`.
    /// - Parameters:
    ///   - factors: sizes from outside (dimensions, element sizes, counts).
    ///   - field: what the product is, for the message ("image size").
    ///   - source: the file path or flag the factors came from.
    ///   - limit: the largest acceptable product (default: `Int.max`).
    /// - Returns: the product; 1 for no factors.
    /// - Throws: ``SizeOverflow``.
    public static func product(_ factors: [Int], field: String, source: String, limit: Int = .max) throws -> Int {
        // The non-zero factors must fit on their own, so that a zero among
        // them cannot hide sizes that overflow when multiplied in another
        // order or with another subset (e.g. [0, 2⁶², 2⁶²]).
        var total = 1
        var hasZero = false
        for f in factors {
            guard f >= 0 else { throw SizeOverflow(source: source, field: field, factors: factors, limit: limit) }
            if f == 0 { hasZero = true; continue }
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            guard !overflow, p <= limit else { throw SizeOverflow(source: source, field: field, factors: factors, limit: limit) }
            total = p
        }
        return hasZero ? 0 : total
    }
}

extension Int {
    /// The product of untrusted sizes; see ``CheckedSize/product(_:field:source:limit:)``.
    public static func checkedProduct(_ factors: [Int], field: String, source: String, limit: Int = .max) throws -> Int {
        try CheckedSize.product(factors, field: field, source: source, limit: limit)
    }
}
