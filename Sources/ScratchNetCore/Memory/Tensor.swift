/// A view of float32 memory with a shape. It does not own its memory: an
/// ``Arena`` does, and the tensor is valid as long as the arena lives.
///
/// Tensors are cheap values (a pointer and an inline ``Shape``), so taking a
/// batch slice or a reshape never allocates.
public struct Tensor {
    public let pointer: UnsafeMutablePointer<Float>
    public let shape: Shape

    public init(pointer: UnsafeMutablePointer<Float>, shape: Shape) {
        self.pointer = pointer
        self.shape = shape
    }

    public var count: Int { shape.count }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Tensor: index \(index) out of range 0..<\(count)")
            return pointer[index]
        }
        nonmutating set {
            precondition(index >= 0 && index < count, "Tensor: index \(index) out of range 0..<\(count)")
            pointer[index] = newValue
        }
    }

    /// The first `n` entries along axis 0: a batch of `n` from a buffer sized
    /// for the largest batch.
    public func leading(_ n: Int) -> Tensor {
        precondition(n >= 0 && n <= shape[0], "Tensor: leading(\(n)) exceeds \(shape)")
        return Tensor(pointer: pointer, shape: shape.withLeading(n))
    }

    /// The same memory seen with another shape of the same element count.
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == count, "Tensor: cannot reshape \(shape) to \(newShape)")
        return Tensor(pointer: pointer, shape: newShape)
    }

    /// Flattened to (shape[0], rest): what a dense layer sees.
    public var matrix: Tensor {
        reshaped(Shape(shape[0], shape.countPerLeading))
    }

    public func fill(_ value: Float) {
        pointer.update(repeating: value, count: count)
    }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "Tensor: copy from \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    public func copy(from values: [Float]) {
        precondition(values.count == count, "Tensor: copy of \(values.count) values into \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// The elements as an array (allocates; for tests, files and messages).
    public func toArray() -> [Float] { Array(buffer) }
}
