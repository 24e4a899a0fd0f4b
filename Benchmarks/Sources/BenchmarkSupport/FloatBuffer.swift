import ScratchNet

/// A heap buffer of floats filled once with seeded uniform values in [-1, 1).
///
/// Made in a benchmark's setup, never inside the measured closure, so the
/// malloc counts of the measured code stay its own.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int, seed: UInt64) {
        precondition(count > 0, "FloatBuffer: count must be > 0")
        self.count = count
        pointer = .allocate(capacity: count)
        var rng = SeededGenerator(seed: seed)
        for i in 0..<count { pointer[i] = Float(rng.nextUniform() * 2 - 1) }
    }

    deinit { pointer.deallocate() }
}

/// Class indices in 0..<classes, seeded, for softmax/cross-entropy benchmarks.
public final class LabelBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Int32>
    public let count: Int

    public init(count: Int, classes: Int, seed: UInt64) {
        precondition(count > 0 && classes > 0, "LabelBuffer: count and classes must be > 0")
        self.count = count
        pointer = .allocate(capacity: count)
        var rng = SeededGenerator(seed: seed)
        for i in 0..<count { pointer[i] = Int32(rng.nextInt(below: classes)) }
    }

    deinit { pointer.deallocate() }
}
