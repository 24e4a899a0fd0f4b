import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet eval`: rebuild a network from a model file and measure it on
/// a test set: accuracy and the confusion matrix.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Rebuild a network from a model (or checkpoint) file and report test accuracy and the confusion matrix."
    )

    @Option(help: "Model file written by `scratchnet train --save` (or a checkpoint).", completion: .file(extensions: ["safetensors"]))
    var model: String

    @OptionGroup(title: "Data (the test set: t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz], or every row of a CSV file, scaled as the model's training data was)")
    var data: DataOptions

    @Option(help: "Samples per forward pass.")
    var batchSize: Int = 1000

    @OptionGroup(title: "Threads")
    var threads: ThreadOptions

    @Option(help: "Passes over the test set; with more than one, also prints the median inference rate (samples/s: batch conversion, forward and scoring, as torch_train.py's inference figure).")
    var `repeat`: Int = 1

    @Option(help: ArgumentHelp("Class names: a file with one name per line, or 'a,b,c' (default: the model file's, else the data set's).", valueName: "file|list"))
    var classes: String?

    @Option(help: "Also score by test-time augmentation: flip (the mean softmax of each image and its mirror image).")
    var tta: TestTimeAugmentation = .none

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be >= 1, got \(`repeat`)") }
        guard `repeat` <= Self.maximumRepeat else { throw ValidationError("--repeat must be at most \(Self.maximumRepeat), got \(`repeat`)") }
    }

    func run() throws {
        let directory = data.directory
        try DataOptions.requireExisting(directory)
        let file = try SafeTensors.read(path: model)
        let test = DataSource.isCSV(directory)
            ? try DataSource.loadTable(directory, for: file)
            : try LabeledImages(imagesPath: try Self.dataFile(directory, "t10k-images-idx3-ubyte"),
                                labelsPath: try Self.dataFile(directory, "t10k-labels-idx1-ubyte"))
        if QuantizedModelFile.isQuantized(file) { return try runQuantized(file, test: test) }
        let network = try ModelFile.load(file, maxBatch: min(batchSize, test.count))
        network.threads = threads.count()
        guard test.sampleShape == network.spec.inputShape else {
            throw TrainingError.incompatibleData("\(test.source): samples are \(test.sampleShape), the model takes \(network.spec.inputShape)")
        }
        try test.validateLabels(classes: network.classes)
        // The confusion matrix has classes² cells; IDX labels are bytes.
        guard network.classes <= Self.maximumClasses else {
            throw TrainingError.incompatibleData("\(model): the model declares \(network.classes) classes; eval's confusion matrix takes at most \(Self.maximumClasses)")
        }

        let classes = network.classes
        let names = try ClassNames.resolve(flag: self.classes, file: file, classes: classes, dataSource: directory)
        // Flat counts (row: true class): one pass only reads them, and the
        // timed loop does no Swift array bookkeeping per sample.
        var counts = [Int](repeating: 0, count: classes * classes)
        var rates: [Double] = []
        for pass in 0..<`repeat` {
            if pass > 0 { counts = [Int](repeating: 0, count: classes * classes) }
            let start = Stopwatch.now()
            counts.withUnsafeMutableBufferPointer { counts in
                var first = 0
                while first < test.count {
                    let n = min(network.maxBatch, test.count - first)
                    let logits = network.inferenceLogits(on: test, start: first, count: n)
                    for r in 0..<n {
                        let predicted = Network.argmax(logits.pointer + r * classes, count: classes)
                        counts[Int(network.labelBuffer[r]) * classes + predicted] += 1
                    }
                    first += n
                }
            }
            rates.append(Double(test.count) / (Stopwatch.now() - start))
        }
        let confusion = (0..<classes).map { Array(counts[$0 * classes ..< ($0 + 1) * classes]) }
        let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
        let accuracy = Float(correct) / Float(test.count)
        print("model \(model): \(network.spec.summary)")
        print("test accuracy \(format(accuracy * 100, 2))% (\(correct) of \(test.count) samples)")
        if tta == .flip {
            guard test.sampleShape.count == 3 else {
                throw TrainingError.incompatibleData("\(test.source): --tta flip needs images (channels, rows, cols), samples are \(test.sampleShape)")
            }
            print("test accuracy with --tta flip \(format(FlipAveraging.accuracy(of: network, on: test) * 100, 2))%")
        }
        if `repeat` > 1 {
            let median = rates.sorted()[rates.count / 2]
            print("inference \(Int(median.rounded())) samples/s (median of \(`repeat`) passes, batch \(network.maxBatch), \(network.threads) threads)")
        }
        print("confusion matrix (rows: true class, columns: predicted class):")
        let width = max(String(test.count).count, String(classes - 1).count) + 1
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        print(cell("") + "  " + (0..<classes).map { cell(String($0)) }.joined())
        for (label, row) in confusion.enumerated() {
            print(cell(String(label)) + "  " + row.map { cell(String($0)) }.joined())
        }
        for line in Self.perClassLines(confusion, names: names) { print(line) }
    }

    /// "per-class accuracy:" then one line per class: its number and name,
    /// the share of its samples predicted right, and the counts.
    static func perClassLines(_ confusion: [[Int]], names: [String]?) -> [String] {
        let labels = confusion.indices.map { ClassNames.label($0, names) }
        let width = labels.map(\.count).max() ?? 0
        return ["per-class accuracy:"] + confusion.indices.map { c in
            let total = confusion[c].reduce(0, +)
            let share = total == 0 ? "-" : format(Float(confusion[c][c]) / Float(total) * 100, 2) + "%"
            let label = labels[c] + String(repeating: " ", count: width - labels[c].count)
            return "  \(label)  \(share) (\(confusion[c][c]) of \(total))"
        }
    }

    static let maximumRepeat = 1_000_000
    static let maximumClasses = 4096

    /// `directory/stem`, or its `.gz`.
    static func dataFile(_ directory: String, _ stem: String) throws -> String {
        let plain = "\(directory)/\(stem)"
        if FileManager.default.fileExists(atPath: plain) { return plain }
        let gz = plain + ".gz"
        if FileManager.default.fileExists(atPath: gz) { return gz }
        throw DataError.fileNotFound(path: gz)
    }
}
