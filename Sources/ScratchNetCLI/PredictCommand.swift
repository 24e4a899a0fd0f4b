import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet predict`: classify images with a saved model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images (IDX files, PGM P5/P2 or PNG) with a model file; prints class, name and probability.",
        discussion: """
        Class names come from --classes, else from the model file (train --save stores \
        Fashion-MNIST's names, or those given to train --classes); without names the class \
        number alone is printed. Images are read as stored: gray 0...255 divided by 255, \
        at the model's input size (`scratchnet show --index N --out x.png` writes one such image).
        """
    )

    @Option(help: "Model file written by `scratchnet train --save` (or a checkpoint).", completion: .file(extensions: ["safetensors"]))
    var model: String

    @Argument(help: "Image files: IDX (one image rows×cols, or a stack count×rows×cols / count×channels×rows×cols, .gz allowed) PGM (P5/P2) or PNG (8-bit gray/RGB, with or without alpha); for a model trained on a CSV file, CSV files of feature rows (with or without the label column).")
    var files: [String] = []

    @Option(help: "Also list the K most probable classes of each image, with their probabilities.")
    var top: Int = 1

    @Option(help: ArgumentHelp("Class names: a file with one name per line, or 'a,b,c' (default: the model file's).", valueName: "file|list"))
    var classes: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("predict needs at least one image file") }
        guard top >= 1 else { throw ValidationError("--top must be >= 1, got \(top)") }
    }

    func run() throws {
        let file = try SafeTensors.read(path: model)
        if QuantizedModelFile.isQuantized(file) { return try runQuantized(file) }
        let network = try ModelFile.load(file, maxBatch: 1)
        let names = try ClassNames.resolve(flag: classes, file: file, classes: network.classes)
        let want = network.spec.inputShape
        let wantText = want.map(String.init).joined(separator: "×")
        for path in files {
            let images = try ImageFile.read(path: path, modelFile: file, takes: want)
            for (index, image) in images.enumerated() {
                guard image.shape == want else {
                    throw TrainingError.incompatibleData("\(path): image is \(image.shape.map(String.init).joined(separator: "×")), the model takes \(wantText)")
                }
                network.inputBuffer.leading(1).copy(from: image.values)
                let logits = network.forward(batch: 1, training: false).toArray()
                report(images.count == 1 ? path : "\(path)[\(index)]", logits: logits, names: names)
            }
        }
    }

    /// "name: class C (p = …)", then with `--top K` the K most probable classes.
    func report(_ name: String, logits: [Float], names: [String]?) {
        let probabilities = Self.softmax(logits)
        let ranked = Self.ranked(logits)
        let best = ranked[0]
        print("\(name): class \(ClassNames.label(best, names)) (p = \(format(probabilities[best], 4)))")
        if top > 1 {
            for (rank, c) in ranked.prefix(top).enumerated() {
                print("  \(rank + 1). class \(ClassNames.label(c, names)) (p = \(format(probabilities[c], 4)))")
            }
        }
    }

    /// Class indices by falling logit; ties go to the lower index (as
    /// `eval`'s argmax), so the first is the predicted class.
    static func ranked(_ logits: [Float]) -> [Int] {
        logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
    }

    static func softmax(_ logits: [Float]) -> [Float] {
        let m = logits.max() ?? 0
        let e = logits.map { Foundation.exp(Double($0 - m)) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}

/// Images read from a file, as floats in [0, 1] with a [channels, rows, cols] shape;
/// or the rows of a CSV file, as features scaled as the model's training data was.
enum ImageFile {
    struct Image {
        var shape: [Int]
        var values: [Float]
    }

    /// A CSV file's rows (for a model that takes features) or ``read(path:)``'s images.
    static func read(path: String, modelFile: SafeTensors, takes shape: [Int]) throws -> [Image] {
        guard DataSource.isCSV(path) else { return try read(path: path) }
        guard shape.count == 1 else {
            throw TrainingError.incompatibleData("\(path): a CSV file holds feature rows; the model takes \(shape.map(String.init).joined(separator: "×")) images")
        }
        var rows = try CSVDataset.readSamples(path: path, featureCount: shape[0])
        if let statistics = try ModelFile.standardization(in: modelFile) { rows = try rows.standardized(by: statistics) }
        let n = shape[0]
        return (0..<rows.count).map { Image(shape: shape, values: Array(rows.features[($0 * n)..<(($0 + 1) * n)])) }
    }

    /// Reads PNG or PGM (by their magic) or IDX (anything else) images.
    static func read(path: String) throws -> [Image] {
        let raw = try AtomicFile.read(path, limit: .image)
        if PNGDecoder.isPNG(raw) {
            let png = try PNGDecoder.decodeGray(raw, path: path)
            return [Image(shape: [1, png.height, png.width], values: png.pixels)]
        }
        if PGMDecoder.isPGM(raw) {
            let pgm = try PGMDecoder.decodeGray(raw, path: path)
            return [Image(shape: [1, pgm.height, pgm.width], values: pgm.pixels)]
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
