import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet quantize`: post-training int8 quantization of a model file.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a float32 model to int8 (per-channel weights, uint8 activations calibrated on training batches).",
        discussion: "The output runs with `eval`, `predict` and the C API; see Docs/Quantization.md."
    )

    @Option(help: "Float32 model file written by `scratchnet train --save`.", completion: .file(extensions: ["safetensors"]))
    var model: String

    @Option(help: "Training batches to measure activation ranges on (spread evenly over the training set).")
    var calibrate: Int = 10

    @Option(help: "Samples per calibration batch.")
    var batchSize: Int = 1000

    @Option(help: "Where to write the int8 model (safetensors).", completion: .file(extensions: ["safetensors"]))
    var output: String

    @OptionGroup(title: "Data (the training set: train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz], or a CSV file)")
    var data: DataOptions

    @OptionGroup(title: "Threads")
    var threads: ThreadOptions

    func validate() throws {
        guard calibrate >= 1 else { throw ValidationError("--calibrate must be >= 1, got \(calibrate)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
    }

    func run() throws {
        try DataOptions.requireExisting(data.directory)
        let file = try SafeTensors.read(path: model)
        let train = try DataSource.loadTraining(data.directory)
        let size = min(batchSize, train.count)
        let network = try ModelFile.load(file, maxBatch: size)
        network.threads = threads.count()
        guard train.sampleShape == network.spec.inputShape else {
            throw TrainingError.incompatibleData("\(train.source): samples are \(train.sampleShape), the model takes \(network.spec.inputShape)")
        }
        let batches = min(calibrate, max(1, train.count / size))
        let ranges = ActivationRanges.measure(network, on: train, batches: batches, batchSize: size)
        let quantized: QuantizedModel
        do {
            quantized = try Quantizer.quantize(network, ranges: ranges,
                                               calibration: "min/max over \(batches) batches of \(size) samples of \(train.source)")
        } catch let error as QuantizationError {
            throw CLIFailure(.dataError, "\(model): \(error.message)")
        }
        let kept = file.metadata.filter { [ModelFile.classNamesKey, ModelFile.standardizationKey].contains($0.key) }
        try QuantizedModelFile.save(quantized, to: output, carrying: kept)
        print("model \(model): \(network.spec.summary)")
        print("int8 model written to \(output) (calibrated on \(batches) batches of \(size) samples)")
    }
}
