import CZlib
import ScratchNetCore

/// A minimal PNG writer: 8-bit grayscale or RGB, no interlacing.
///
/// PNG is a signature, then chunks (length, type, data, CRC-32 of type and
/// data): IHDR (size and pixel format), IDAT (the rows, each prefixed by a
/// filter byte — 0, none, here — compressed as one zlib stream) and IEND.
/// zlib provides both the deflate stream and the CRC.
public enum PNGEncoder {
    public enum ColorType: UInt8, Sendable {
        case gray = 0
        case rgb = 2
        var channels: Int { self == .gray ? 1 : 3 }
    }

    /// Encodes `pixels` (row after row, `channels` bytes per pixel).
    /// - Precondition: `pixels.count == width * height * channels`, sizes > 0.
    public static func encode(width: Int, height: Int, color: ColorType = .gray, pixels: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0, "PNGEncoder: empty image \(width)×\(height)")
        let rowBytes = width * color.channels
        precondition(pixels.count == rowBytes * height, "PNGEncoder: \(pixels.count) bytes for \(width)×\(height)×\(color.channels)")
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        for y in 0..<height {
            raw[y * (rowBytes + 1)] = 0  // filter: none
            for x in 0..<rowBytes { raw[y * (rowBytes + 1) + 1 + x] = pixels[y * rowBytes + x] }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr += bigEndian(UInt32(width))
        ihdr += bigEndian(UInt32(height))
        ihdr += [8, color.rawValue, 0, 0, 0]  // depth 8, color type, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", ihdr, to: &out)
        appendChunk("IDAT", zlibCompress(raw), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Nearest-neighbour enlargement by an integer factor (so small images
    /// stay crisp wherever they are shown).
    public static func upscale(_ pixels: [UInt8], width: Int, height: Int, channels: Int = 1, factor: Int) -> [UInt8] {
        precondition(factor >= 1, "PNGEncoder.upscale: factor must be >= 1")
        var out = [UInt8](repeating: 0, count: pixels.count * factor * factor)
        let outWidth = width * factor
        for y in 0..<(height * factor) {
            for x in 0..<outWidth {
                for c in 0..<channels {
                    out[(y * outWidth + x) * channels + c] = pixels[((y / factor) * width + x / factor) * channels + c]
                }
            }
        }
        return out
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian(UInt32(data.count))
        out += typeBytes
        out += data
        let body = typeBytes + data
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        out += bigEndian(UInt32(truncatingIfNeeded: crc))
    }

    /// One zlib stream (header, deflate data, Adler-32) at the best compression.
    static func zlibCompress(_ input: [UInt8]) -> [UInt8] {
        var destinationLength = compressBound(UInt(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &destinationLength, inp.baseAddress, UInt(inp.count), 9)
            }
        }
        precondition(status == Z_OK, "PNGEncoder: zlib compress2 failed (\(status))")
        output.removeSubrange(Int(destinationLength)...)
        return output
    }
}

/// Standard base64 (RFC 4648, with padding), for `data:` URIs.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A `data:image/png;base64,…` URI.
    public static func pngDataURI(_ png: [UInt8]) -> String { "data:image/png;base64," + encode(png) }
}
