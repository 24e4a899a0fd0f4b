import ScratchNet

/// Model files for the C API. Saving and loading need ScratchNet's
/// safetensors model files, which are not part of this build yet: both
/// calls report SCRATCHNET_ERROR_NOT_SUPPORTED with a message saying so.
enum ModelFiles {
    static func load(path: String, maxBatch: Int, out: UnsafeMutablePointer<OpaquePointer?>) -> Int32 {
        fail(.notSupported, "scratchnet_model_load: loading model files is not supported yet in this build (\(path))")
    }

    static func save(_ handle: ModelHandle, path: String) -> Int32 {
        fail(.notSupported, "scratchnet_model_save: saving model files is not supported yet in this build (\(path))", model: handle)
    }
}
