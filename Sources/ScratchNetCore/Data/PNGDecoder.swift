import CZlib

/// A PNG reader for the images `scratchnet predict` classifies: 8-bit gray,
/// gray + alpha, RGB or RGBA, not interlaced, every row filter (PNG's
/// none/sub/up/average/Paeth). Colour is turned into luminance
/// (0.299 R + 0.587 G + 0.114 B); alpha is ignored.
///
/// Every chunk's CRC is checked and the decompressed size must be exactly
/// what the header implies, so a truncated or corrupted file is an error
/// naming the file, never a wrong picture.
public enum PNGDecoder {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let message: String
        public var description: String { "\(path): not a usable PNG image: \(message)" }
    }

    /// The most pixels an image may have (8192 × 8192): the decoder
    /// allocates the decompressed rows and the floats up front.
    public static let maxPixels = 1 << 26

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// True when `bytes` start with the PNG signature.
    public static func isPNG(_ bytes: [UInt8]) -> Bool { bytes.starts(with: signature) }

    /// Decodes a PNG into gray levels in [0, 1], row after row.
    public static func decodeGray(_ raw: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [Float]) {
        func fail(_ message: String) -> Failure { Failure(path: path, message: message) }
        guard isPNG(raw) else { throw fail("no PNG signature") }
        var i = signature.count
        var width = 0, height = 0, colorType = -1
        var compressed: [UInt8] = []
        var sawEnd = false
        func u32(_ at: Int) -> Int {
            Int(raw[at]) << 24 | Int(raw[at + 1]) << 16 | Int(raw[at + 2]) << 8 | Int(raw[at + 3])
        }
        while i < raw.count && !sawEnd {
            guard raw.count - i >= 12 else { throw fail("truncated chunk header at byte \(i)") }
            let length = u32(i)
            guard length <= raw.count - i - 12 else { throw fail("chunk at byte \(i) claims \(length) bytes, the file ends first") }
            let type = String(decoding: raw[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(raw[(i + 8)..<(i + 8 + length)])
            let stored = UInt(u32(i + 8 + length))
            let computed = raw.withUnsafeBufferPointer { crc32(0, $0.baseAddress! + i + 4, UInt32(length + 4)) }
            guard stored == computed else { throw fail("CRC mismatch in chunk \(type) at byte \(i)") }
            switch type {
            case "IHDR":
                guard length == 13 else { throw fail("IHDR is \(length) bytes, not 13") }
                width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                guard width > 0, height > 0 else { throw fail("size \(width)×\(height) is empty") }
                do {
                    _ = try CheckedSize.product([width, height], field: "image size", source: path, limit: maxPixels)
                } catch {
                    throw fail("size \(width)×\(height) is larger than the limit of \(maxPixels) pixels")
                }
                guard body[8] == 8 else { throw fail("bit depth \(body[8]) is not supported (only 8)") }
                guard [0, 2, 4, 6].contains(body[9]) else { throw fail("color type \(body[9]) is not supported (gray, gray+alpha, RGB, RGBA)") }
                guard body[12] == 0 else { throw fail("interlaced images are not supported") }
                colorType = Int(body[9])
            case "IDAT":
                compressed += body
            case "IEND":
                sawEnd = true
            default:
                break  // ancillary chunks (gAMA, tEXt, ...) carry nothing we use
            }
            i += 12 + length
        }
        guard colorType >= 0 else { throw fail("no IHDR chunk") }
        // Bounded by maxPixels × 4 channels: no overflow below.
        guard sawEnd else { throw fail("no IEND chunk (truncated file)") }
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][colorType]!
        let stride = width * channels
        let expected = (stride + 1) * height
        // Deflate expands at most 1032:1: refuse a header the data cannot fill
        // before allocating for it.
        guard compressed.count >= expected / 1032 else {
            throw fail("image data is \(compressed.count) compressed bytes, too few for \(width)×\(height)")
        }
        var data = [UInt8](repeating: 0, count: expected)
        var produced = UInt(expected)
        let status = data.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { inp in
                uncompress(out.baseAddress, &produced, inp.baseAddress, UInt(inp.count))
            }
        }
        guard status == Z_OK else { throw fail("image data does not decompress (zlib status \(status))") }
        guard Int(produced) == expected else { throw fail("image data is \(produced) bytes, \(width)×\(height) needs \(expected)") }

        var previous = [UInt8](repeating: 0, count: stride)
        var current = [UInt8](repeating: 0, count: stride)
        var pixels = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            let rowStart = y * (stride + 1)
            let filter = data[rowStart]
            for x in 0..<stride {
                let value = data[rowStart + 1 + x]
                let left = x >= channels ? Int(current[x - channels]) : 0
                let up = Int(previous[x])
                let upLeft = x >= channels ? Int(previous[x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4:
                    let p = left + up - upLeft
                    let (pa, pb, pc) = (abs(p - left), abs(p - up), abs(p - upLeft))
                    predictor = pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
                default: throw fail("row \(y) has unknown filter type \(filter)")
                }
                current[x] = UInt8(truncatingIfNeeded: Int(value) + predictor)
            }
            for x in 0..<width {
                let p = x * channels
                let gray: Float = channels >= 3
                    ? 0.299 * Float(current[p]) + 0.587 * Float(current[p + 1]) + 0.114 * Float(current[p + 2])
                    : Float(current[p])
                pixels[y * width + x] = gray / 255
            }
            swap(&previous, &current)
        }
        return (width, height, pixels)
    }
}
