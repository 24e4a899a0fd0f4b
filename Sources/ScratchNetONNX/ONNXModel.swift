import ScratchNetCore

/// ONNX export and import of ScratchNet networks.
///
/// Export writes a network as an opset-17 graph any ONNX runtime runs;
/// import reads the graphs `torch.onnx.export` writes for MLPs and CNNs made
/// of the layers ScratchNet has (Docs/ONNX.md lists the forms) and refuses
/// anything else with its operator and node.
public enum ONNXModel {
    /// The serialized ONNX model of `network`.
    public static func export(_ network: Network, options: ONNXExportOptions = ONNXExportOptions()) throws -> [UInt8] {
        try ONNXExporter.model(for: network, options: options).serializedBytes()
    }

    /// Writes `network` to `path` as an ONNX model, atomically.
    public static func write(_ network: Network, to path: String, options: ONNXExportOptions = ONNXExportOptions()) throws {
        try AtomicFile.write(try export(network, options: options), to: path)
    }

    /// Reads the ONNX model at `path` (at most ``FileSizeLimit/model`` bytes).
    public static func read(path: String) throws -> ONNXImportedNetwork {
        try ONNXImporter.parse(try AtomicFile.read(path, limit: .model), source: path)
    }

    /// Reads a serialized ONNX model; `source` names it in errors.
    public static func read(bytes: [UInt8], source: String = "ONNX bytes") throws -> ONNXImportedNetwork {
        try ONNXImporter.parse(bytes, source: source)
    }

    /// Reads the ONNX model at `path` and builds its network with its weights.
    /// - Parameter maxBatch: the largest batch the network will be fed.
    public static func importNetwork(path: String, maxBatch: Int, backend: Backend = .fast,
                                     optimizer: (any Optimizer)? = nil) throws -> Network {
        try read(path: path).makeNetwork(maxBatch: maxBatch, backend: backend, optimizer: optimizer)
    }
}
