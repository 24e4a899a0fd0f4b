import CZlib

/// gzip decompression through zlib, for `.gz` IDX files.
package enum Gzip {
    /// True when `bytes` start with the gzip magic (1f 8b).
    package static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a whole gzip stream (concatenated members included).
    /// - Parameter limit: refuses to produce more than this many bytes, so a
    ///   hostile file cannot exhaust memory.
    package static func decompress(_ input: [UInt8], path: String, limit: Int = 1 << 32) throws -> [UInt8] {
        guard isGzip(input) else { throw DataError.notGzip(path: path) }
        var output: [UInt8] = []
        // The trailer's ISIZE is the uncompressed size mod 2^32: a good hint.
        if input.count >= 18 {
            let n = input.count
            let hint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            output.reserveCapacity(min(hint, limit))
        }
        var stream = z_stream()
        // 15 + 32: a 32 KiB window and automatic gzip/zlib header detection.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.corruptGzip(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let status: Int32 = buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress!
                    stream.avail_out = UInt32(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                output.append(contentsOf: buffer[0..<produced])
                guard output.count <= limit else {
                    throw DataError.corruptGzip(path: path, reason: "decompresses to more than \(limit) bytes")
                }
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (as `cat a.gz b.gz` makes).
                    if stream.avail_in > 0 && isGzipAt(stream.next_in, stream.avail_in) {
                        guard inflateReset(&stream) == Z_OK else {
                            throw DataError.corruptGzip(path: path, reason: "cannot reset for next member")
                        }
                        continue
                    }
                    return
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 {
                        throw DataError.corruptGzip(path: path, reason: "the stream ends early (truncated file)")
                    }
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 {
                        throw DataError.corruptGzip(path: path, reason: "the stream ends early (truncated file)")
                    }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError.corruptGzip(path: path, reason: message)
                }
            }
        }
        return output
    }

    private static func isGzipAt(_ p: UnsafeMutablePointer<UInt8>?, _ n: UInt32) -> Bool {
        guard let p, n >= 2 else { return false }
        return p[0] == 0x1f && p[1] == 0x8b
    }

    /// Compresses `input` as a single gzip member (for writing test files).
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
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
