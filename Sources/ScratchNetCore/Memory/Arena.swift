#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One fixed block of memory from which a network takes its parameters,
/// gradients, optimizer state, activations and scratch buffers.
///
/// Why: a training step that allocates nothing cannot fragment the heap,
/// cannot fail half-way for lack of memory, and runs the same on every step.
/// The arena is sized once, either by a *measuring* pass (an arena made with
/// ``Arena/measuring()`` hands out no memory and only counts) or by the user;
/// a request that does not fit throws ``ArenaError/capacityExceeded(request:bytes:remaining:capacity:)`` naming
/// the request and what is left.
///
/// Allocation is a bump of an offset; every block starts on a 64-byte
/// boundary (one cache line, one AVX-512 vector). Memory is freed all at once
/// when the arena goes away.
///
/// Parameter gradients have a section of their own at the start of the
/// block (``allocateGradient(_:name:)``), so that all of a network's
/// gradients form one contiguous region: one call can zero, clip or
/// all-reduce them (data-parallel training sums them with a single
/// `MPI_Allreduce`).
public final class Arena {
    /// Every block starts at a multiple of this many bytes.
    public static let alignment = 64

    /// The largest arena this process may ask for: the machine's physical
    /// memory, and at most 2⁴⁸ bytes (what x86-64 can address), so that
    /// every size and rounding below stays far from `Int.max`.
    public static let maximumCapacity: Int = {
        let pages = Int(sysconf(Int32(_SC_PHYS_PAGES)))
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let cap = 1 << 48
        guard pages > 0, pageSize > 0 else { return cap }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? cap : min(bytes, cap)
    }()

    /// Bytes this arena can hand out (for a measuring arena: unlimited).
    public let capacity: Int
    /// Bytes handed out so far, alignment padding included (both sections).
    public private(set) var used = 0
    /// Bytes reserved at the start of the block for parameter gradients.
    public let gradientCapacity: Int
    /// Bytes of the gradient section handed out so far.
    public private(set) var gradientUsed = 0
    private var generalUsed = 0
    /// True for an arena that only counts what is asked of it.
    public let isMeasuring: Bool

    private let base: UnsafeMutableRawPointer?

    /// An arena of `capacity` bytes, zero-filled, whose first
    /// `gradientCapacity` bytes (rounded to the alignment) are the gradient section.
    public init(capacity: Int, gradientCapacity: Int = 0) throws {
        guard capacity >= 0 else { throw ArenaError.invalidCapacity(capacity) }
        guard capacity <= Self.maximumCapacity else {
            throw ArenaError.tooLarge(bytes: capacity, limit: Self.maximumCapacity)
        }
        guard gradientCapacity >= 0, gradientCapacity <= capacity, Self.roundUp(gradientCapacity) <= capacity else {
            throw ArenaError.invalidCapacity(gradientCapacity)
        }
        var raw: UnsafeMutableRawPointer?
        let rounded = max(Self.alignment, Self.roundUp(capacity))
        guard posix_memalign(&raw, Self.alignment, rounded) == 0, let raw else {
            throw ArenaError.systemOutOfMemory(bytes: capacity)
        }
        memset(raw, 0, rounded)
        self.base = raw
        self.capacity = capacity
        self.gradientCapacity = Self.roundUp(gradientCapacity)
        self.isMeasuring = false
    }

    private init(measuring: ()) {
        base = nil
        // Large enough for any request below the maximum, small enough that
        // sums of requests cannot overflow.
        capacity = 1 << 60
        gradientCapacity = 1 << 59
        isMeasuring = true
    }

    /// An arena that hands out no memory and only adds up the requests: run
    /// the same binding code against it to learn the capacity to ask for.
    /// Its tensors must never be read or written.
    public static func measuring() -> Arena { Arena(measuring: ()) }

    deinit { free(base) }

    /// Bytes still free.
    public var remaining: Int { capacity - used }

    /// `bytes` rounded up to the alignment; callers keep `bytes` below
    /// ``maximumCapacity`` (or check ``roundedRequest(_:)``).
    static func roundUp(_ bytes: Int) -> Int {
        (bytes + alignment - 1) / alignment * alignment
    }

    /// A request's aligned size, or nil when it is beyond any arena (a
    /// size computed from a hostile file or flag must not overflow here).
    static func roundedRequest(_ bytes: Int) -> Int? {
        guard bytes >= 0, bytes <= maximumCapacity else { return nil }
        return roundUp(bytes)
    }

    /// Takes `bytes` bytes, 64-byte aligned; `name` goes into the error if
    /// they do not fit.
    public func allocateBytes(_ bytes: Int, name: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        precondition(bytes >= 0, "Arena: negative request")
        let free = isMeasuring ? remaining : capacity - gradientCapacity - generalUsed
        guard let size = Self.roundedRequest(bytes), size <= free else {
            // A measuring arena's limit is the machine's memory.
            let limit = isMeasuring ? Self.maximumCapacity : capacity
            throw ArenaError.capacityExceeded(request: name(), bytes: bytes, remaining: min(free, limit), capacity: limit)
        }
        let offset = generalUsed
        generalUsed += size
        used += size
        if let base { return base + gradientCapacity + offset }
        // Measuring: a distinct, aligned, never-dereferenced address.
        return UnsafeMutableRawPointer(bitPattern: (1 << 40) + offset)!
    }

    /// Takes a parameter-gradient tensor from the gradient section.
    public func allocateGradient(_ shape: Shape, name: @autoclosure () -> String) throws -> Tensor {
        let bytes = try Self.floatBytes(shape, name: name())
        guard let size = Self.roundedRequest(bytes), size <= gradientCapacity - gradientUsed else {
            throw ArenaError.capacityExceeded(request: "\(name()) (\(shape) floats, gradient section)", bytes: bytes,
                                              remaining: gradientCapacity - gradientUsed, capacity: gradientCapacity)
        }
        let offset = gradientUsed
        gradientUsed += size
        used += size
        let raw = base.map { $0 + offset } ?? UnsafeMutableRawPointer(bitPattern: Self.alignment + offset)!
        return Tensor(pointer: raw.bindMemory(to: Float.self, capacity: shape.count), shape: shape)
    }

    /// Every parameter gradient handed out so far, as one contiguous run of
    /// floats (alignment padding between tensors included, and kept at zero).
    public var gradientRegion: UnsafeMutableBufferPointer<Float> {
        precondition(!isMeasuring, "Arena: a measuring arena has no memory")
        return UnsafeMutableBufferPointer(start: base!.bindMemory(to: Float.self, capacity: gradientUsed / 4),
                                          count: gradientUsed / 4)
    }

    /// Bytes of a float tensor of `shape`, checked: shapes come from model
    /// files and flags, and `Shape.count` itself does not check.
    static func floatBytes(_ shape: Shape, name: String) throws -> Int {
        try CheckedSize.product(shape.dims + [MemoryLayout<Float>.stride], field: "\(name) bytes (\(shape.description) floats)",
                                source: "arena", limit: maximumCapacity)
    }

    /// A float tensor of `shape`, zero-filled at arena creation.
    public func allocate(_ shape: Shape, name: @autoclosure () -> String) throws -> Tensor {
        let raw = try allocateBytes(try Self.floatBytes(shape, name: name()), name: "\(name()) (\(shape) floats)")
        return Tensor(pointer: raw.bindMemory(to: Float.self, capacity: shape.count), shape: shape)
    }

    /// A buffer of 32-bit integers (labels, indices).
    public func allocateInt32(count: Int, name: @autoclosure () -> String) throws -> UnsafeMutableBufferPointer<Int32> {
        let bytes = try CheckedSize.product([count, MemoryLayout<Int32>.stride], field: "\(name()) bytes", source: "arena",
                                            limit: Self.maximumCapacity)
        let raw = try allocateBytes(bytes, name: "\(name()) (\(count) int32)")
        return UnsafeMutableBufferPointer(start: raw.bindMemory(to: Int32.self, capacity: count), count: count)
    }
}

/// What can go wrong when taking memory from an ``Arena``.
public enum ArenaError: Error, Equatable, CustomStringConvertible {
    /// A request did not fit; `needed` (when known) is what the whole job requires.
    case capacityExceeded(request: String, bytes: Int, remaining: Int, capacity: Int)
    /// The network and batch need `needed` bytes; the arena was given `capacity`.
    case tooSmall(needed: Int, capacity: Int, detail: String)
    case invalidCapacity(Int)
    /// A capacity above ``Arena/maximumCapacity`` (the machine's memory).
    case tooLarge(bytes: Int, limit: Int)
    case systemOutOfMemory(bytes: Int)

    public var description: String {
        switch self {
        case let .capacityExceeded(request, bytes, remaining, capacity):
            return "arena: \(request) needs \(bytes) bytes but only \(remaining) of \(capacity) are left"
        case let .tooSmall(needed, capacity, detail):
            return "arena: too small: this network and batch size need \(needed) bytes (\(Arena.formatBytes(needed))), the arena has \(capacity); \(detail)"
        case let .invalidCapacity(c):
            return "arena: capacity must be >= 0, got \(c)"
        case let .tooLarge(bytes, limit):
            return "arena: \(bytes) bytes is more than this machine's memory (\(limit) bytes, \(Arena.formatBytes(limit)))"
        case let .systemOutOfMemory(bytes):
            return "arena: the system refused \(bytes) bytes"
        }
    }
}

extension Arena {
    /// "12.3 MiB"-style size for messages.
    public static func formatBytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format1: value) + " " + units[unit]
    }
}

extension String {
    /// One decimal place without Foundation.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
