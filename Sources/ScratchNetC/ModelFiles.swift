import ScratchNetCore

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

    static func save(_ handle: ModelHandle, path: String) -> Int32 {
        do {
            try ModelFile.save(handle.network, to: path)
            return Status.ok.rawValue
        } catch {
            return fail(error, context: "scratchnet_model_save", model: handle)
        }
    }
}
