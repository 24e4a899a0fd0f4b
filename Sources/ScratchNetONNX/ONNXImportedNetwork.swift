import ScratchNetCore

/// A network read from an ONNX graph: the spec and every tensor under its
/// model-file name, ready to build or to save as a ScratchNet model file.
public struct ONNXImportedNetwork: Sendable {
    /// A tensor's values in row-major order and its shape.
    public struct Values: Equatable, Sendable {
        public var values: [Float]
        public var shape: [Int]
        public init(values: [Float], shape: [Int]) {
            self.values = values
            self.shape = shape
        }
    }

    public let spec: NetworkSpec
    /// `layers.<i>.weight`, `layers.<i>.running_var`, …: what ``ModelFile`` names them.
    public let tensors: [String: Values]
    /// What the import did beyond one node → one layer (an epsilon folded
    /// into running_var, a final Softmax taken as the head, the input
    /// scaling left out), one line each.
    public let notes: [String]
    /// The graph's default-domain operator set version.
    public let opset: Int
    /// The file (or "ONNX bytes") it was read from, for messages.
    public let source: String

    /// Builds the network and copies the imported tensors in.
    /// - Parameter maxBatch: the largest batch the network will be fed.
    public func makeNetwork(maxBatch: Int, backend: Backend = .fast,
                            optimizer: (any Optimizer)? = nil, threads: Int = 1) throws -> Network {
        let network = try Network(spec: spec, maxBatch: maxBatch, backend: backend, optimizer: optimizer, threads: threads)
        for t in ModelFile.tensors(of: network) {
            guard let value = tensors[t.name], value.shape == t.tensor.shape.dims else {
                // The importer makes every tensor of every layer it appends.
                preconditionFailure("ONNX import: tensor \(t.name) missing or misshapen")
            }
            for v in value.values where !v.isFinite {
                throw ONNXError(.shape, source: source, "tensor '\(t.name)' holds \(v): weights must be finite numbers")
            }
            t.tensor.copy(from: value.values)
        }
        return network
    }
}
