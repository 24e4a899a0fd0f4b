#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point of the two harnesses that compile the whole core
/// library: model files and checkpoints (FuzzCheckpoint.swift) and ONNX
/// models (FuzzONNX.swift). One binary serves both, so the core is compiled
/// once; `SCRATCHNET_FUZZ=checkpoint|onnx` names the harness a run drives.
private let harness: (UnsafePointer<UInt8>, Int) -> CInt = {
    switch getenv("SCRATCHNET_FUZZ").map({ String(cString: $0) }) {
    case "checkpoint": return fuzzCheckpoint
    case "onnx": return fuzzONNX
    default: fatalError("set SCRATCHNET_FUZZ to checkpoint or onnx")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    harness(data, size)
}
