/// An int8 network as data: what `scratchnet quantize` writes and
/// ``QuantizedNetwork`` runs.
public struct QuantizedModel: Equatable, Sendable {
    /// One product layer (affine or conv): y_j ≈ inputScale · weightScales[j] ·
    /// (Σ_k (x_k − zeroPoint)·weights[j, k] + bias[j]).
    public struct Layer: Equatable, Sendable {
        public var outputs: Int
        public var inputs: Int
        /// (outputs, inputs) row-major in [-127, 127] ([-64, 64] from the quantizer); a conv's inputs are
        /// (C, FH, FW) in that order.
        public var weights: [Int8]
        /// Per output channel: max |w| / 64 from the quantizer.
        public var weightScales: [Float]
        /// The float bias / (inputScale · weightScales[j]), rounded.
        public var bias: [Int32]
    }

    /// The float network's architecture (the file's spec).
    public let spec: NetworkSpec
    public let plan: QuantizationPlan
    /// How input samples (floats) become bytes.
    public var input: QuantizationParameters
    /// Product layers by layer index.
    public var layers: [Int: Layer]
    /// The uint8 tensor after layer i (a product's fused output or a table's).
    public var activations: [Int: QuantizationParameters]
    /// How the ranges were measured (for people; stored as metadata).
    public var calibration: String

    public init(spec: NetworkSpec, input: QuantizationParameters, layers: [Int: Layer],
                activations: [Int: QuantizationParameters], calibration: String) throws {
        self.spec = spec
        self.plan = try QuantizationPlan(spec: spec)
        self.input = input
        self.layers = layers
        self.activations = activations
        self.calibration = calibration
    }

    /// Layer `index`'s input shape for one sample.
    func inputShape(of index: Int) -> [Int] { index == 0 ? spec.inputShape : plan.shapes[index - 1] }

    /// The (outputs, inputs) of product layer `index`.
    func productSize(of index: Int) -> (outputs: Int, inputs: Int) {
        let input = inputShape(of: index)
        if case let .conv2d(filters, kernel, _, _) = spec.layers[index] {
            return (filters, input[0] * kernel * kernel)
        }
        return (plan.shapes[index].reduce(1, *), input.reduce(1, *))
    }
}
