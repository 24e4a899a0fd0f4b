/// Reshapes each sample to a vector: (C, H, W) → (C·H·W). No copy: the
/// forward and backward return views of the same memory.
///
/// ``Affine`` already flattens its input, so a network does not need this
/// layer; it makes the step explicit in a spec, as in Keras-style models.
public final class Flatten: Layer {
    public let inputShape: Shape
    public let outputShape: Shape
    public var computesInputGradient = true
    public var name: String { "Flatten(\(inputShape)→\(outputShape))" }

    public init(inputShape: Shape) {
        self.inputShape = inputShape
        self.outputShape = Shape(inputShape.count)
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        input.reshaped(Shape(input.shape[0], outputShape[0]))
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        gradOutput.reshaped(inputShape.prepending(gradOutput.shape[0]))
    }
}
