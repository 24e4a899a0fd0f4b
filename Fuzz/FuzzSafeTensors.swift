/// libFuzzer entry point for the safetensors parser: any bytes must parse
/// or throw a SerializationError, never crash, hang or read out of bounds;
/// a parsed file's every tensor must be readable and inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? SafeTensors(parsing: bytes, path: "fuzz") else { return 0 }
    var end = 0
    for t in file.tensors {
        precondition(t.byteRange.lowerBound >= 8 && t.byteRange.upperBound <= bytes.count)
        precondition(t.byteRange.count == t.elementCount * t.dtype.size)
        end = max(end, t.byteRange.upperBound)
        switch t.dtype {
        case .F32: _ = try? file.floats(t.name)
        case .U64: _ = try? file.uint64s(t.name)
        case .I32: _ = try? file.int32s(t.name)
        default: break
        }
    }
    precondition(file.tensors.isEmpty || end == bytes.count)
    // What the model loader does with the metadata must not crash either.
    if let spec = file.metadata["scratchnet.spec"] { _ = try? JSONValue.parse(Array(spec.utf8)) }
    return 0
}
