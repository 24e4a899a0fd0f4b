import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet predict`: classify images with a saved model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images (IDX files, PGM P5/P2 or PNG) with a model file; prints class and probability."
    )

    @Option(help: "Model file written by `scratchnet train --save` (or a checkpoint).", completion: .file(extensions: ["safetensors"]))
    var model: String

    @Argument(help: "Image files: IDX (one image rows×cols, or a stack count×rows×cols / count×channels×rows×cols, .gz allowed) PGM (P5/P2) or PNG (8-bit gray/RGB, with or without alpha).")
    var files: [String] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("predict needs at least one image file") }
    }

    func run() throws {
        let network = try ModelFile.load(path: model, maxBatch: 1)
        let want = network.spec.inputShape
        let wantText = want.map(String.init).joined(separator: "×")
        for path in files {
            let images = try ImageFile.read(path: path)
            for (index, image) in images.enumerated() {
                guard image.shape == want else {
                    throw TrainingError.incompatibleData("\(path): image is \(image.shape.map(String.init).joined(separator: "×")), the model takes \(wantText)")
                }
                network.inputBuffer.leading(1).copy(from: image.values)
                let logits = network.forward(batch: 1, training: false).toArray()
                let probabilities = Self.softmax(logits)
                let best = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
                let name = images.count == 1 ? path : "\(path)[\(index)]"
                print("\(name): class \(best) (p = \(format(probabilities[best], 4)))")
            }
        }
    }

    static func softmax(_ logits: [Float]) -> [Float] {
        let m = logits.max() ?? 0
        let e = logits.map { Foundation.exp(Double($0 - m)) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}

/// Images read from a file, as floats in [0, 1] with a [channels, rows, cols] shape.
enum ImageFile {
    struct Image {
        var shape: [Int]
        var values: [Float]
    }

    /// Reads PNG or PGM (by their magic) or IDX (anything else) images.
    static func read(path: String) throws -> [Image] {
        let raw = try AtomicFile.read(path)
        if PNGDecoder.isPNG(raw) {
            let png = try PNGDecoder.decodeGray(raw, path: path)
            return [Image(shape: [1, png.height, png.width], values: png.pixels)]
        }
        if raw.count >= 2, raw[0] == UInt8(ascii: "P"), raw[1] == UInt8(ascii: "5") || raw[1] == UInt8(ascii: "2") {
            return [try PGM.parse(raw, path: path)]
        }
        let idx = try IDXArray.read(path: path)
        let d = idx.dims
        let perImage: [Int]
        switch d.count {
        case 2: perImage = [1, d[0], d[1]]
        case 3: perImage = [1, d[1], d[2]]
        case 4: perImage = [d[1], d[2], d[3]]
        default:
            throw DataError.wrongRank(path: path, expected: "an image (rows, cols) or images (count, rows, cols) or (count, channels, rows, cols)", dims: d)
        }
        let n = perImage.reduce(1, *)
        let count = d.count == 2 ? 1 : d[0]
        guard n > 0, count > 0 else { throw DataError.empty(path: path) }
        return (0..<count).map { i in
            Image(shape: perImage, values: idx.bytes[(i * n)..<((i + 1) * n)].map { Float($0) / 255 })
        }
    }
}

/// Netpbm graymaps: P5 (binary, 8- or 16-bit) and P2 (ASCII).
enum PGM {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let message: String
        var description: String { "\(path): not a valid PGM image: \(message)" }
    }

    static func parse(_ raw: [UInt8], path: String) throws -> ImageFile.Image {
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
        let binary = raw[1] == UInt8(ascii: "5")
        let width = try number("width"), height = try number("height"), maxValue = try number("maximum value")
        guard width > 0, height > 0 else { throw fail("size \(width)×\(height) is empty") }
        guard width * height <= 1 << 26 else { throw fail("size \(width)×\(height) is too large") }
        guard (1...65535).contains(maxValue) else { throw fail("maximum value \(maxValue) is not in 1...65535") }
        let count = width * height
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
        return ImageFile.Image(shape: [1, height, width], values: values)
    }
}
