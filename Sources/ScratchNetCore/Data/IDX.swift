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

    /// Reads an IDX file, gunzipping it when it is gzip data (which a name
    /// ending in `.gz` must be).
    ///
    /// A gzipped file is inflated only as far as its IDX header declares
    /// (dims × element size + header): a file that inflates beyond that is
    /// ``DataError/inflatesTooLarge(path:limit:declared:)`` and stops there.
    /// The file and the declared size are both bounded by ``FileSizeLimit/data``,
    /// and what it inflates to by `Gzip.plausibleInflation(compressedBytes:cap:)`.
    public static func read(path: String) throws -> IDXArray {
        let raw = try AtomicFile.read(path, limit: .data)
        guard Gzip.isGzip(raw) || path.hasSuffix(".gz") else { return try parse(raw, path: path) }
        var inflated: [UInt8] = []
        var declared: Int? = nil
        // A header may declare up to the data limit; the file's own size bounds what it may really hold.
        let plausible = Gzip.plausibleInflation(compressedBytes: raw.count, cap: FileSizeLimit.data.bytes)
        try Gzip.inflate(raw, path: path, limit: plausible) { piece in
            inflated.append(contentsOf: piece)
            if declared == nil, let size = try declaredSize(inflated, path: path) {
                declared = size
                inflated.reserveCapacity(min(size, plausible))
            }
            if let declared, inflated.count > declared {
                throw DataError.inflatesTooLarge(path: path, limit: declared, declared: true)
            }
        }
        return try parse(inflated, path: path)
    }

    /// The size in bytes (header included) that an IDX header declares, nil
    /// while `raw` does not yet hold the whole header.
    /// - Throws: the errors of ``parse(_:path:)`` for a bad header, and a
    ///   ``DataError/sizeOverflow(path:dims:)`` when the declared size exceeds ``FileSizeLimit/data``.
    static func declaredSize(_ raw: [UInt8], path: String) throws -> Int? {
        guard raw.count >= 4 else { return nil }
        guard raw[0] == 0, raw[1] == 0, raw[3] >= 1 else { throw DataError.wrongMagic(path: path, found: Array(raw[0..<4])) }
        guard raw[2] == 0x08 else { throw DataError.unsupportedElementType(path: path, code: raw[2]) }
        let headerSize = 4 + 4 * Int(raw[3])
        guard raw.count >= headerSize else { return nil }
        let dims = dimensions(raw, rank: Int(raw[3]))
        let elementSize = 1
        do {
            return try headerSize + CheckedSize.product(dims + [elementSize], field: "IDX dimensions", source: path,
                                                        limit: FileSizeLimit.data.bytes - headerSize)
        } catch {
            throw DataError.sizeOverflow(path: path, dims: dims)
        }
    }

    private static func dimensions(_ raw: [UInt8], rank: Int) -> [Int] {
        (0..<rank).map { d in
            let o = 4 + 4 * d
            return Int(raw[o]) << 24 | Int(raw[o + 1]) << 16 | Int(raw[o + 2]) << 8 | Int(raw[o + 3])
        }
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
        let dims = dimensions(raw, rank: rank)
        let total: Int
        do {
            total = try CheckedSize.product(dims, field: "IDX dimensions", source: path, limit: FileSizeLimit.data.bytes)
        } catch {
            throw DataError.sizeOverflow(path: path, dims: dims)
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
