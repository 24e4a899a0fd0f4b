#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded pseudo-random generator (xoshiro256**, seeded by SplitMix64).
///
/// Why not `SystemRandomNumberGenerator` or the standard library's shuffles:
/// a seed must fix a whole training run — weights, batch order, dropout
/// masks — on every machine and Swift version. Everything random in
/// ScratchNet draws from this generator with algorithms written here.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four words of state; public so checkpoints can save and restore it.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator continuing from `state`, which must not be all zeros.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(Self.isValid(state), "SeededGenerator: the all-zero state never leaves zero")
        self.state = state
    }

    /// A generator continuing from `words` read from outside (a checkpoint).
    /// - Throws: ``InvalidState`` for anything but four words not all zero:
    ///   xoshiro maps the zero state to itself, so every draw would be 0 and
    ///   rejection loops (``nextInt(below:)``, shuffles) would never end.
    public init(restoring words: [UInt64]) throws {
        guard words.count == 4 else { throw InvalidState(reason: "has \(words.count) words, not 4") }
        let state = (words[0], words[1], words[2], words[3])
        guard Self.isValid(state) else { throw InvalidState(reason: "is all zeros, which xoshiro256** never leaves") }
        self.state = state
    }

    /// False only for the all-zero state, the one xoshiro cannot leave.
    public static func isValid(_ state: (UInt64, UInt64, UInt64, UInt64)) -> Bool {
        state.0 | state.1 | state.2 | state.3 != 0
    }

    /// A stored generator state that cannot be continued.
    public struct InvalidState: Error, Equatable, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { "generator state \(reason)" }
    }

    public static func == (l: SeededGenerator, r: SeededGenerator) -> Bool {
        l.state == r.state
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<bound (Lemire's unbiased method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.nextInt: bound must be > 0")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Standard normal, by Box–Muller (both values are used in turn would need
    /// state; one is discarded so the stream stays a pure function of `state`).
    public mutating func nextGaussian() -> Double {
        var u1 = nextUniform()
        while u1 <= Double.leastNormalMagnitude { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle of a buffer in place, in a fixed algorithm.
    public mutating func shuffle<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        var i = buffer.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            buffer.swapAt(i, j)
            i -= 1
        }
    }
}
