/// How `ONNXModel.export` shapes the graph around the network.
public struct ONNXExportOptions: Equatable, Sendable {
    /// What the exported graph's input holds.
    public enum InputScaling: String, Equatable, Sendable, CaseIterable {
        /// Values as ScratchNet feeds them: pixels already divided by 255
        /// (in [0, 1]). The graph's metadata says so (`scratchnet.input_scale`).
        case unit
        /// Raw pixel values 0…255 as floats: the graph starts with a `Mul`
        /// by the same float32 1/255 that ScratchNet multiplies bytes by, so
        /// results match ScratchNet's bit for bit on that first step.
        case bytes
    }

    /// Ends the graph with `Softmax` (output `probabilities`) instead of
    /// giving the logits (output `logits`).
    public var softmax: Bool
    public var inputScaling: InputScaling

    public init(softmax: Bool = false, inputScaling: InputScaling = .unit) {
        self.softmax = softmax
        self.inputScaling = inputScaling
    }
}
