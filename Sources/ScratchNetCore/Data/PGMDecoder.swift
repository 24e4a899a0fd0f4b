/// A reader for Netpbm graymaps, the simplest images `scratchnet predict`
/// classifies: P5 (binary, 8- or 16-bit) and P2 (ASCII), one image per file.
///
/// Sizes are checked before anything is allocated, so a header claiming
/// billions of pixels is an error naming the file.
public enum PGMDecoder {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let message: String
        public var description: String { "\(path): not a valid PGM image: \(message)" }
    }

    /// The most pixels an image may have (as for PNG).
    public static let maxPixels = PNGDecoder.maxPixels

    /// True when `bytes` start with a P5 or P2 magic.
    public static func isPGM(_ raw: [UInt8]) -> Bool {
        raw.count >= 2 && raw[0] == UInt8(ascii: "P") && (raw[1] == UInt8(ascii: "5") || raw[1] == UInt8(ascii: "2"))
    }

    /// Decodes a graymap into gray levels in [0, 1], row after row.
    public static func decodeGray(_ raw: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [Float]) {
        func fail(_ message: String) -> Failure { Failure(path: path, message: message) }
        var i = 2
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        func skipSpaceAndComments() {
            while i < raw.count {
                if isSpace(raw[i]) { i += 1 } else if raw[i] == UInt8(ascii: "#") {
                    while i < raw.count, raw[i] != 0x0A { i += 1 }
                } else { break }
            }
        }
        func number(_ what: String) throws -> Int {
            skipSpaceAndComments()
            var value = 0
            var digits = 0
            while i < raw.count, (0x30...0x39).contains(raw[i]) {
                value = value * 10 + Int(raw[i] - 0x30)
                digits += 1
                i += 1
                guard value <= 1 << 24 else { throw fail("\(what) is too large") }
            }
            guard digits > 0 else { throw fail("expected the \(what) as a number at byte \(i)") }
            return value
        }
        guard isPGM(raw) else { throw fail("no P5 or P2 magic") }
        let binary = raw[1] == UInt8(ascii: "5")
        let width = try number("width"), height = try number("height"), maxValue = try number("maximum value")
        guard width > 0, height > 0 else { throw fail("size \(width)×\(height) is empty") }
        let count: Int
        do {
            count = try CheckedSize.product([width, height], field: "image size", source: path, limit: maxPixels)
        } catch {
            throw fail("size \(width)×\(height) is larger than the limit of \(maxPixels) pixels")
        }
        guard (1...65535).contains(maxValue) else { throw fail("maximum value \(maxValue) is not in 1...65535") }
        // Each ASCII pixel takes a digit and a separator: refuse a header the
        // file cannot fill before allocating for it.
        guard binary || raw.count - i >= 2 * count - 1 else {
            throw fail("\(width)×\(height) pixels need at least \(2 * count - 1) bytes, the file holds \(raw.count - i)")
        }
        var values = [Float](repeating: 0, count: count)
        if binary {
            guard i < raw.count, isSpace(raw[i]) else { throw fail("expected one whitespace byte before the pixels") }
            i += 1
            let bytesPerPixel = maxValue > 255 ? 2 : 1
            guard raw.count - i >= count * bytesPerPixel else {
                throw fail("\(width)×\(height) pixels need \(count * bytesPerPixel) bytes, the file holds \(raw.count - i)")
            }
            for k in 0..<count {
                let v = bytesPerPixel == 1 ? Int(raw[i + k]) : Int(raw[i + 2 * k]) << 8 | Int(raw[i + 2 * k + 1])
                guard v <= maxValue else { throw fail("pixel \(k) is \(v), above the maximum \(maxValue)") }
                values[k] = Float(v) / Float(maxValue)
            }
            i += count * bytesPerPixel
        } else {
            for k in 0..<count {
                let v = try number("pixel \(k)")
                guard v <= maxValue else { throw fail("pixel \(k) is \(v), above the maximum \(maxValue)") }
                values[k] = Float(v) / Float(maxValue)
            }
        }
        skipSpaceAndComments()
        guard i == raw.count else { throw fail("\(raw.count - i) unexpected bytes after the pixels (one image per file)") }
        return (width, height, values)
    }
}
