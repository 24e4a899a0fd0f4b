/// libFuzzer entry point for the IDX parser: any bytes must parse or throw
/// a DataError, never crash, hang or read out of bounds. Built by
/// scripts/fuzz.sh together with the library files it needs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let array = try? IDXArray.parse(bytes, path: "fuzz") {
        // A parsed array must describe its bytes exactly and re-encode to the input.
        precondition(array.dims.reduce(1, *) == array.bytes.count)
        precondition(array.encoded() == bytes)
    }
    return 0
}
