import Testing
import ScratchNet

@Suite("PNG decoding")
struct PNGDecoderTests {
    @Test func grayPNGRoundTripsThroughTheEncoder() throws {
        let pixels: [UInt8] = (0..<(7 * 5)).map { UInt8($0 * 7 % 256) }
        let png = PNGEncoder.encode(width: 7, height: 5, color: .gray, pixels: pixels)
        let decoded = try PNGDecoder.decodeGray(png, path: "g.png")
        #expect(decoded.width == 7 && decoded.height == 5)
        #expect(decoded.pixels == pixels.map { Float($0) / 255 })
    }

    @Test func rgbPNGBecomesLuminance() throws {
        // One red, one green, one blue, one white pixel.
        let png = PNGEncoder.encode(width: 2, height: 2, color: .rgb, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
        let decoded = try PNGDecoder.decodeGray(png, path: "c.png")
        let expected: [Float] = [0.299, 0.587, 0.114, 1]
        for (a, b) in zip(decoded.pixels, expected) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func everyRowFilterIsUndone() throws {
        // A 3×1 gray image whose rows use filters sub (1), up (2), average (3) and Paeth (4),
        // written by hand: the decoded values must equal the original rows.
        let rows: [[UInt8]] = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]]
        var raw: [UInt8] = []
        var previous: [UInt8] = [0, 0, 0]
        for (y, row) in rows.enumerated() {
            let filter = UInt8(y + 1)
            raw.append(filter)
            for x in 0..<3 {
                let left = x > 0 ? Int(row[x - 1]) : 0, up = Int(previous[x]), upLeft = x > 0 ? Int(previous[x - 1]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                default:
                    let p = left + up - upLeft
                    let (pa, pb, pc) = (abs(p - left), abs(p - up), abs(p - upLeft))
                    predictor = pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
                }
                raw.append(UInt8(truncatingIfNeeded: Int(row[x]) - predictor))
            }
            previous = row
        }
        // Reuse the encoder's chunk writer by encoding, then swapping in our IDAT.
        let png = PNGTestFile.make(width: 3, height: 4, colorType: 0, filteredRows: raw)
        let decoded = try PNGDecoder.decodeGray(png, path: "f.png")
        #expect(decoded.pixels == rows.flatMap { $0 }.map { Float($0) / 255 })
    }

    @Test func truncatedOrCorruptedPNGIsRejectedWithTheFileName() throws {
        let png = PNGEncoder.encode(width: 4, height: 4, color: .gray, pixels: [UInt8](repeating: 9, count: 16))
        #expect(throws: PNGDecoder.Failure.self) { try PNGDecoder.decodeGray(Array(png.prefix(png.count - 5)), path: "t.png") }
        var flipped = png
        flipped[40] ^= 0xFF
        do {
            _ = try PNGDecoder.decodeGray(flipped, path: "x.png")
            Issue.record("a corrupted PNG decoded")
        } catch {
            #expect("\(error)".hasPrefix("x.png: not a usable PNG image:"))
        }
    }
}

/// Builds a PNG from already-filtered rows (to test the decoder's filters).
enum PNGTestFile {
    static func make(width: Int, height: Int, colorType: UInt8, filteredRows: [UInt8]) -> [UInt8] {
        // Encode a same-size gray image, then rebuild it with our IDAT via the public encoder's layout:
        // signature + IHDR + IDAT + IEND, CRCs recomputed by a tiny local CRC-32.
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(data.count) + body + be(Int(crc32(body)))
        }
        let ihdr = be(width) + be(height) + [8, colorType, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
            + chunk("IDAT", storedZlib(filteredRows)) + chunk("IEND", [])
    }

    /// A zlib stream with one stored (uncompressed) deflate block.
    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        let n = data.count
        return [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)] + data
            + [UInt8(b >> 8), UInt8(b & 0xFF), UInt8(a >> 8), UInt8(a & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
