import CZlib

/// gzip decompression through zlib, for `.gz` IDX and CSV files.
///
/// Inflation is bounded: the caller states the most it accepts (an IDX
/// header's declared size, a CSV limit) and inflation stops with an error as
/// soon as the output passes it, so a small "gzip bomb" cannot exhaust
/// memory. Concatenated members (as `cat a.gz b.gz` makes) are one stream;
/// any other bytes after the last member are an error, not silently dropped.
package enum Gzip {
    /// True when `bytes` start with the gzip magic (1f 8b).
    package static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The uncompressed size modulo 2³² that the last member's trailer
    /// states (ISIZE): a hint for sizing buffers, never a promise.
    package static func statedSize(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 18 else { return 0 }
        let n = bytes.count
        return Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
    }

    /// How many times its own size a gzip data file may inflate to. Real
    /// data compresses far less (Fashion-MNIST's IDX files 1.8×, MNIST's
    /// 6×, numeric CSV text 3–10×); deflate reaches about 1000× on
    /// repeated bytes, which only a bomb (or a table of zeros) holds.
    package static let plausibleRatio = 32
    /// Small files may always inflate this far, whatever their ratio (more
    /// than a CSV line may hold, so that a file without newlines is named as such).
    package static let plausibleFloor = 32 << 20

    /// The most a gzip file of `compressedBytes` may inflate to:
    /// ``plausibleRatio`` times its size (at least ``plausibleFloor``),
    /// never more than `cap`. Inflating beyond it is
    /// ``DataError/inflatesTooLarge(path:limit:declared:)``, so a bomb costs
    /// memory in proportion to its own size, not to the hard cap.
    package static func plausibleInflation(compressedBytes: Int, cap: Int) -> Int {
        let (scaled, overflow) = compressedBytes.multipliedReportingOverflow(by: plausibleRatio)
        return min(cap, max(plausibleFloor, overflow ? Int.max : scaled))
    }

    /// The output is handed over in pieces of at most this many bytes, which
    /// is also how far past a limit inflation can go before it stops.
    static let chunkSize = 1 << 16

    /// Decompresses a whole gzip stream into memory.
    /// - Parameter limit: the most bytes accepted (by default what a data
    ///   file may hold); more is ``DataError/inflatesTooLarge(path:limit:declared:)``.
    package static func decompress(_ input: [UInt8], path: String, limit: Int = FileSizeLimit.data.bytes) throws -> [UInt8] {
        var output: [UInt8] = []
        try inflate(input, path: path, limit: limit) { output.append(contentsOf: $0) }
        return output
    }

    /// Inflates `input`, handing the output to `consume` piece by piece.
    ///
    /// Stops with ``DataError/inflatesTooLarge(path:limit:declared:)`` once
    /// more than `limit` bytes come out (or with whatever `consume` throws);
    /// a truncated stream, a corrupt one or trailing bytes that are not
    /// another gzip member are ``DataError/corruptGzip(path:reason:)``.
    /// - Complexity: O(input) time; memory is one chunk beyond what `consume` keeps.
    package static func inflate(_ input: [UInt8], path: String, limit: Int,
                                consume: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard isGzip(input) else { throw DataError.notGzip(path: path) }
        var stream = z_stream()
        // 15 + 16: a 32 KiB window and a gzip wrapper (zlib streams are not .gz files).
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.corruptGzip(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var total = 0
        try input.withUnsafeBufferPointer { inBuf in
            guard let base = inBuf.baseAddress else { return }
            var offset = 0
            // zlib counts input in UInt32: feed a larger buffer in slices.
            func refill() {
                let n = min(inBuf.count - offset, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: base + offset)
                stream.avail_in = UInt32(n)
                offset += n
            }
            refill()
            while true {
                if stream.avail_in == 0 && offset < inBuf.count { refill() }
                let (status, produced): (Int32, Int) = buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress!
                    stream.avail_out = UInt32(outBuf.count)
                    let status = zlibInflate(&stream, Z_NO_FLUSH)
                    return (status, outBuf.count - Int(stream.avail_out))
                }
                total += produced
                guard total <= limit else { throw DataError.inflatesTooLarge(path: path, limit: limit, declared: false) }
                if produced > 0 {
                    try buffer.withUnsafeBufferPointer { try consume(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
                }
                let remaining = Int(stream.avail_in) + (inBuf.count - offset)
                switch status {
                case Z_STREAM_END:
                    guard remaining > 0 else { return }
                    // Another member may follow; anything else is trailing garbage.
                    let next = inBuf.count - remaining
                    guard remaining >= 2, base[next] == 0x1f, base[next + 1] == 0x8b else {
                        throw DataError.corruptGzip(path: path, reason: "\(FileSizeLimit.format(bytes: remaining)) of trailing data after the gzip stream")
                    }
                    guard inflateReset(&stream) == Z_OK else {
                        throw DataError.corruptGzip(path: path, reason: "cannot reset for the next member")
                    }
                case Z_OK:
                    if remaining == 0 && produced == 0 {
                        throw DataError.corruptGzip(path: path, reason: "the stream ends early (truncated file)")
                    }
                case Z_BUF_ERROR:
                    if remaining == 0 {
                        throw DataError.corruptGzip(path: path, reason: "the stream ends early (truncated file)")
                    }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError.corruptGzip(path: path, reason: message)
                }
            }
        }
    }

    private static func zlibInflate(_ stream: inout z_stream, _ flush: Int32) -> Int32 {
        CZlib.inflate(&stream, flush)
    }

    /// Compresses `input` as a single gzip member (for writing test files).
    package static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip wrapper instead of zlib's.
        precondition(deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK,
                     "Gzip.compress: zlib could not start")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var mutableInput = input
        let written: Int = mutableInput.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "Gzip.compress: deflate failed (\(status))")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}
