import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet show`: dataset images as a PNG grid.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Write data set images as a PNG grid (and print their labels).",
        discussion: """
        One image (--index N) is written at the data set's own size, 28×28 for Fashion-MNIST, \
        with no border, as `scratchnet predict` takes it: `scratchnet show --index 7 --out x.png` \
        then `scratchnet predict --model m.safetensors x.png`. Several images form a grid, \
        enlarged --scale times (default 3) with a gray border.
        """
    )

    @OptionGroup(title: "Data")
    var data: DataOptions
    @Option(help: "Samples: '0..15' (inclusive), '0..<16', or '3,7,42'.")
    var index: String = "0..15"
    @Option(help: "Which part: train or test.")
    var set: String = "train"
    @Option(help: "Images per row.")
    var columns: Int = 8
    @Option(help: "Enlargement factor (default: 1 for one image, 3 for a grid).")
    var scale: Int?
    @Option(help: "Output PNG file.", completion: .file(extensions: ["png"]))
    var out: String = "samples.png"

    /// The most images one grid holds: a range is checked against it
    /// before it is listed (`0..9223372036854775807` must not be).
    static let maximumImages = 10_000

    static func parseIndices(_ text: String) -> [Int]? {
        if let r = text.range(of: "..<") {
            guard let a = Int(text[..<r.lowerBound]), let b = Int(text[r.upperBound...]), a >= 0, b > a,
                  b - a <= maximumImages else { return nil }
            return Array(a..<b)
        }
        if let r = text.range(of: "..") {
            guard let a = Int(text[..<r.lowerBound]), let b = Int(text[r.upperBound...]), a >= 0, b >= a,
                  b - a < maximumImages else { return nil }
            return Array(a...b)
        }
        let list = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.count <= maximumImages, list.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return list.map { $0! }
    }

    func validate() throws {
        guard Self.parseIndices(index) != nil else {
            throw ValidationError("--index: expected '0..15', '0..<16' or '3,7,42' (at most \(Self.maximumImages) images), got '\(index)'")
        }
        guard ["train", "test"].contains(set) else { throw ValidationError("--set must be train or test") }
        guard columns >= 1, (1...32).contains(scale ?? 1) else { throw ValidationError("--columns must be >= 1 and --scale in 1...32") }
    }

    func run() throws {
        let source = data.directory
        try DataOptions.requireExisting(source)
        try OutputPath.checkWritable(out, flag: "--out")
        let (train, test) = try DataSource.loadTrainAndTest(source)
        let samples = set == "train" ? train : test
        let indices = Self.parseIndices(index)!
        if let bad = indices.first(where: { $0 >= samples.count }) {
            throw ValidationError("--index \(bad) is out of range: the \(set) set has \(samples.count) samples")
        }
        let images = indices.map { GrayImage(sample: $0, of: samples) }
        try AtomicFile.write(Self.png(images, columns: columns, scale: scale), to: out)
        let names = DatasetInfo.classNames(forSource: source)
        print("labels: " + indices.map { i in
            let l = Int(samples.labels[i])
            return "\(i)=\(l)" + (names.map { " (\($0[l]))" } ?? "")
        }.joined(separator: ", "))
        if images.count == 1 {
            print("wrote \(out) (\(images[0].width * (scale ?? 1))×\(images[0].height * (scale ?? 1)))")
        } else {
            print("wrote \(out) (\(images.count) images, \(min(columns, images.count)) per row)")
        }
    }

    /// One image alone at its own size (times `scale`, default 1), so that
    /// `predict` reads back exactly the sample; several as a bordered grid.
    static func png(_ images: [GrayImage], columns: Int, scale: Int?) -> [UInt8] {
        if images.count == 1 { return images[0].png(scale: scale ?? 1) }
        return GrayImage.tiledPNG(images, columns: columns, scale: scale ?? 3)
    }
}
