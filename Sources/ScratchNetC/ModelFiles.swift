import ScratchNetCore
import ScratchNetONNX

/// Model files for the C API: the same safetensors files `scratchnet train
/// --save` writes (weights plus the architecture as metadata), so a model
/// trained from the command line loads in C and the other way round.
enum ModelFiles {
    static func load(path: String, maxBatch: Int, out: UnsafeMutablePointer<OpaquePointer?>) -> Int32 {
        do {
            let sgd = SGD()
            let network = try ModelFile.load(path: path, maxBatch: maxBatch, optimizer: sgd)
            out.pointee = ModelHandle(network: network, sgd: sgd).retainedPointer()
            return Status.ok.rawValue
        } catch {
            return fail(error, context: "scratchnet_model_load")
        }
    }

    /// An ONNX graph of supported layers; an operator or attribute ScratchNet
    /// has no exact equivalent for is NOT_SUPPORTED, a malformed file IO.
    static func importONNX(path: String, maxBatch: Int, out: UnsafeMutablePointer<OpaquePointer?>) -> Int32 {
        do {
            let sgd = SGD()
            let network = try ONNXModel.read(path: path).makeNetwork(maxBatch: maxBatch, optimizer: sgd)
            out.pointee = ModelHandle(network: network, sgd: sgd).retainedPointer()
            return Status.ok.rawValue
        } catch let error as ONNXError {
            switch error.kind {
            case .unsupportedOperator, .unsupportedAttribute, .unsupportedGraph:
                return fail(.notSupported, "scratchnet_model_import_onnx: \(error)")
            case .malformed, .shape:
                return fail(.io, "scratchnet_model_import_onnx: \(error)")
            }
        } catch {
            return fail(error, context: "scratchnet_model_import_onnx")
        }
    }

    static func save(_ handle: ModelHandle, path: String) -> Int32 {
        do {
            try ModelFile.save(handle.network, to: path)
            return Status.ok.rawValue
        } catch {
            return fail(error, context: "scratchnet_model_save", model: handle)
        }
    }
}
