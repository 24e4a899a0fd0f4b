#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import ScratchNetCore

/// MD5 and SHA-256, for verifying downloaded data files against their
/// published digests without a crypto dependency.
///
/// MD5 is broken for security, but it is what data sets publish; a file
/// is also accepted by the SHA-256 of its uncompressed contents. Both are
/// incremental (``MD5``, ``SHA256``): a file is hashed in chunks as it is
/// read, never held whole in memory.
public enum Checksums {
    /// Lowercase hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 1321, of a whole buffer.
    public static func md5(_ message: [UInt8]) -> String {
        var hasher = MD5()
        hasher.update(message)
        return hasher.finalize()
    }

    /// FIPS 180-4, of a whole buffer.
    public static func sha256(_ message: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(message)
        return hasher.finalize()
    }

    /// Incremental RFC 1321 MD5: `update` with chunks of any size, then `finalize`.
    public struct MD5: Sendable {
        private var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476]
        private var block = BlockBuffer()

        public init() {}

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            var s: [UInt32] = []
            swap(&s, &state)
            block.feed(bytes) { Self.compress(&s, $0) }
            swap(&s, &state)
        }

        /// The lowercase hex digest; the hasher is spent.
        public mutating func finalize() -> String {
            var s: [UInt32] = []
            swap(&s, &state)
            block.finish(bigEndianLength: false) { Self.compress(&s, $0) }
            swap(&s, &state)
            var out: [UInt8] = []
            for v in state { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
            return hex(out)
        }

        static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                       5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                       4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                       6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
        // K[i] = floor(2^32 · |sin(i + 1)|)
        static let sines: [UInt32] = (0..<64).map { i in
            UInt32(truncatingIfNeeded: Int64((Double(1 << 32) * abs(sin(Double(i + 1)))).rounded(.down)))
        }

        /// One 64-byte block.
        static func compress(_ state: inout [UInt32], _ p: UnsafeRawPointer) {
            shifts.withUnsafeBufferPointer { s in
                sines.withUnsafeBufferPointer { k in
                    var a = state[0], b = state[1], c = state[2], d = state[3]
                    for i in 0..<64 {
                        var f: UInt32
                        let g: Int
                        switch i {
                        case 0..<16: f = (b & c) | (~b & d); g = i
                        case 16..<32: f = (d & b) | (~d & c); g = (5 &* i &+ 1) & 15
                        case 32..<48: f = b ^ c ^ d; g = (3 &* i &+ 5) & 15
                        default: f = c ^ (b | ~d); g = (7 &* i) & 15
                        }
                        let word = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 &* g, as: UInt32.self))
                        f = f &+ a &+ k[i] &+ word
                        a = d; d = c; c = b
                        b = b &+ ((f << s[i]) | (f >> (32 &- s[i])))
                    }
                    state[0] = state[0] &+ a; state[1] = state[1] &+ b
                    state[2] = state[2] &+ c; state[3] = state[3] &+ d
                }
            }
        }
    }

    /// Incremental FIPS 180-4 SHA-256: `update` with chunks of any size, then `finalize`.
    public struct SHA256: Sendable {
        private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        private var schedule = [UInt32](repeating: 0, count: 64)
        private var block = BlockBuffer()

        public init() {}

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            var s: [UInt32] = [], w: [UInt32] = []
            swap(&s, &state); swap(&w, &schedule)
            block.feed(bytes) { Self.compress(&s, &w, $0) }
            swap(&s, &state); swap(&w, &schedule)
        }

        /// The lowercase hex digest; the hasher is spent.
        public mutating func finalize() -> String {
            var s: [UInt32] = [], w: [UInt32] = []
            swap(&s, &state); swap(&w, &schedule)
            block.finish(bigEndianLength: true) { Self.compress(&s, &w, $0) }
            swap(&s, &state); swap(&w, &schedule)
            var out: [UInt8] = []
            for v in state { for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
            return hex(out)
        }

        static let roundConstants: [UInt32] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ]

        /// One 64-byte block.
        static func compress(_ state: inout [UInt32], _ schedule: inout [UInt32], _ p: UnsafeRawPointer) {
            @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }
            roundConstants.withUnsafeBufferPointer { k in
                schedule.withUnsafeMutableBufferPointer { w in
                    for i in 0..<16 {
                        w[i] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self))
                    }
                    for i in 16..<64 {
                        let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                        let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var a = state[0], b = state[1], c = state[2], d = state[3]
                    var e = state[4], f = state[5], g = state[6], h = state[7]
                    for i in 0..<64 {
                        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                    state[0] = state[0] &+ a; state[1] = state[1] &+ b; state[2] = state[2] &+ c; state[3] = state[3] &+ d
                    state[4] = state[4] &+ e; state[5] = state[5] &+ f; state[6] = state[6] &+ g; state[7] = state[7] &+ h
                }
            }
        }
    }

    /// The partial 64-byte block and message length shared by MD5 and
    /// SHA-256, which pad alike: 0x80, zeros, the 64-bit bit length.
    struct BlockBuffer: Sendable {
        private var pending = [UInt8](repeating: 0, count: 64)
        private var pendingCount = 0
        private var length: UInt64 = 0

        /// Calls `compress` on every full block of the stream so far.
        mutating func feed(_ bytes: UnsafeRawBufferPointer, compress: (UnsafeRawPointer) -> Void) {
            guard var p = bytes.baseAddress, bytes.count > 0 else { return }
            var remaining = bytes.count
            length &+= UInt64(remaining)
            if pendingCount > 0 {
                let take = min(64 - pendingCount, remaining)
                pending.withUnsafeMutableBytes { ($0.baseAddress! + pendingCount).copyMemory(from: p, byteCount: take) }
                pendingCount += take; p += take; remaining -= take
                if pendingCount < 64 { return }
                pending.withUnsafeBytes { compress($0.baseAddress!) }
                pendingCount = 0
            }
            while remaining >= 64 {
                compress(p)
                p += 64; remaining -= 64
            }
            if remaining > 0 {
                pending.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: p, byteCount: remaining) }
                pendingCount = remaining
            }
        }

        /// Pads and compresses the last block(s).
        mutating func finish(bigEndianLength: Bool, compress: (UnsafeRawPointer) -> Void) {
            let bitLength = length &* 8
            var tail: [UInt8] = [0x80]
            while (pendingCount + tail.count) % 64 != 56 { tail.append(0) }
            for i in 0..<8 {
                let shift = bigEndianLength ? UInt64(56 - 8 * i) : UInt64(8 * i)
                tail.append(UInt8(truncatingIfNeeded: bitLength >> shift))
            }
            let savedLength = length
            tail.withUnsafeBytes { feed($0, compress: compress) }
            length = savedLength
        }
    }
}

extension Checksums {
    /// SHA-256 of the uncompressed contents of the gzip file open at `fd`
    /// (concatenated members included), read and inflated in chunks; nil
    /// when the file is not gzip, is corrupt, or inflates to more than
    /// `limit` bytes (a gzip bomb costs at most `limit` bytes of hashing).
    public static func gzipContentSHA256(fd: Int32, limit: Int) -> String? {
        guard lseek(fd, 0, SEEK_SET) == 0 else { return nil }
        var stream = z_stream()
        // 15 + 32: a 32 KiB window and automatic gzip/zlib header detection.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 18
        var input = [UInt8](repeating: 0, count: chunk)
        var output = [UInt8](repeating: 0, count: chunk)
        var hasher = SHA256()
        var produced = 0
        var first = true
        var ended = false
        while true {
            let n = input.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunk) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return ended ? hasher.finalize() : nil }
            if first { guard n >= 2, input[0] == 0x1f, input[1] == 0x8b else { return nil }; first = false }
            var offset = 0
            while offset < n {
                if ended {
                    // Another member may follow (as `cat a.gz b.gz` makes); trailing zeros do not count.
                    guard input[offset] == 0x1f else { return hasher.finalize() }
                    guard inflateReset(&stream) == Z_OK else { return nil }
                    ended = false
                }
                let (status, consumed, made): (Int32, Int, Int) = input.withUnsafeMutableBufferPointer { inBuf in
                    output.withUnsafeMutableBufferPointer { outBuf in
                        stream.next_in = inBuf.baseAddress! + offset
                        stream.avail_in = UInt32(n - offset)
                        stream.next_out = outBuf.baseAddress!
                        stream.avail_out = UInt32(chunk)
                        let status = inflate(&stream, Z_NO_FLUSH)
                        return (status, n - offset - Int(stream.avail_in), chunk - Int(stream.avail_out))
                    }
                }
                offset += consumed
                produced += made
                guard produced <= limit else { return nil }
                output.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<made])) }
                switch status {
                case Z_STREAM_END: ended = true
                case Z_OK, Z_BUF_ERROR: if consumed == 0 && made == 0 { return nil }
                default: return nil
                }
            }
        }
    }
}
