/// libFuzzer entry point for the image decoders `scratchnet predict` uses:
/// any bytes must decode or throw (PNGDecoder.Failure, PGMDecoder.Failure),
/// never crash, trap on a size overflow, hang or allocate for a size the
/// input cannot back. Built by scripts/fuzz.sh with the files it needs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Both decoders see every input: each must refuse what is not its format.
    if let png = try? PNGDecoder.decodeGray(bytes, path: "fuzz") {
        precondition(png.width > 0 && png.height > 0 && png.pixels.count == png.width * png.height)
        precondition(png.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
    if let pgm = try? PGMDecoder.decodeGray(bytes, path: "fuzz") {
        precondition(pgm.width > 0 && pgm.height > 0 && pgm.pixels.count == pgm.width * pgm.height)
        precondition(pgm.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
    return 0
}
