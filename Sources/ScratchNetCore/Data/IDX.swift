/// An IDX array: the MNIST file format, an n-dimensional array of bytes.
///
/// Layout: two zero bytes, an element-type byte (0x08 = unsigned byte, the
/// only type MNIST-style files use), a rank byte, then `rank` big-endian
/// 32-bit dimensions, then the elements. Files may be gzipped (`.gz`).
public struct IDXArray: Equatable, Sendable {
    public var dims: [Int]
    public var bytes: [UInt8]

    public init(dims: [Int], bytes: [UInt8]) {
        precondition(dims.reduce(1, *) == bytes.count, "IDXArray: \(dims) does not hold \(bytes.count) bytes")
        self.dims = dims
        self.bytes = bytes
    }

    /// Reads an IDX file, gunzipping it when its name ends in `.gz`.
    public static func read(path: String) throws -> IDXArray {
        var raw = try AtomicFile.read(path)
        if path.hasSuffix(".gz") {
            raw = try Gzip.decompress(raw, path: path)
        } else if Gzip.isGzip(raw) {
            raw = try Gzip.decompress(raw, path: path)
        }
        return try parse(raw, path: path)
    }

    /// Parses IDX bytes; `path` names the source in errors.
    public static func parse(_ raw: [UInt8], path: String) throws -> IDXArray {
        guard raw.count >= 4 else { throw DataError.truncatedHeader(path: path, bytes: raw.count, needed: 4) }
        guard raw[0] == 0, raw[1] == 0, raw[3] >= 1 else {
            throw DataError.wrongMagic(path: path, found: Array(raw[0..<4]))
        }
        guard raw[2] == 0x08 else { throw DataError.unsupportedElementType(path: path, code: raw[2]) }
        let rank = Int(raw[3])
        let headerSize = 4 + 4 * rank
        guard raw.count >= headerSize else {
            throw DataError.truncatedHeader(path: path, bytes: raw.count, needed: headerSize)
        }
        var dims: [Int] = []
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let value = Int(raw[o]) << 24 | Int(raw[o + 1]) << 16 | Int(raw[o + 2]) << 8 | Int(raw[o + 3])
            dims.append(value)
            let (product, overflow) = total.multipliedReportingOverflow(by: value)
            guard !overflow, product <= 1 << 40 else { throw DataError.sizeOverflow(path: path, dims: dims) }
            total = product
        }
        let dataBytes = raw.count - headerSize
        guard dataBytes >= total else { throw DataError.truncatedData(path: path, expected: total, actual: dataBytes) }
        guard dataBytes == total else { throw DataError.trailingData(path: path, expected: total, actual: dataBytes) }
        return IDXArray(dims: dims, bytes: Array(raw[headerSize...]))
    }

    /// The file's bytes (uncompressed).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
        for d in dims {
            out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        return out + bytes
    }

    /// Writes the array atomically, gzipped when `path` ends in `.gz`.
    public func write(to path: String) throws {
        let raw = encoded()
        try AtomicFile.write(path.hasSuffix(".gz") ? Gzip.compress(raw) : raw, to: path)
    }
}
