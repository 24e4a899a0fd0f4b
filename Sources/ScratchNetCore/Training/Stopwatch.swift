#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock seconds, without allocation (for per-step timing).
public struct Stopwatch {
    private var start: Double

    public init() { start = Self.now() }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Seconds since creation or the last `reset`.
    public var elapsed: Double { Self.now() - start }

    public mutating func reset() { start = Self.now() }
}
