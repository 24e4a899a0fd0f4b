import ScratchNetCore
import ScratchNetONNX

/// Model files for the C API: the same safetensors files `scratchnet train
/// --save` writes (weights plus the architecture as metadata), so a model
/// trained from the command line loads in C and the other way round.
enum ModelFiles {
    static func load(path: String, maxBatch: Int, out: UnsafeMutablePointer<OpaquePointer?>) -> Int32 {
        do {
            let sgd = SGD()
            let file = try SafeTensors.read(path: path)
            if QuantizedModelFile.isQuantized(file) {
                let quantized = try QuantizedNetwork(model: QuantizedModelFile.load(file), maxBatch: maxBatch)
                let handle = ModelHandle(network: try Network(spec: quantized.model.spec, maxBatch: 1, optimizer: sgd), sgd: sgd)
                handle.quantized = quantized
                out.pointee = handle.retainedPointer()
                return Status.ok.rawValue
            }
            let network = try ModelFile.load(file, maxBatch: maxBatch, optimizer: sgd)
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
            if let quantized = handle.quantized {
                try QuantizedModelFile.save(quantized.model, to: path)
                return Status.ok.rawValue
            }
            try ModelFile.save(handle.network, to: path)
            return Status.ok.rawValue
        } catch {
            return fail(error, context: "scratchnet_model_save", model: handle)
        }
    }
}
