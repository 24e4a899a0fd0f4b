import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet summary`: a model's per-layer table (output shapes,
/// parameters, FLOPs per sample, activation memory) and the arena it
/// trains in, without loading any data.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers: output shapes, parameters, FLOPs per sample, activation memory and the arena size.",
        discussion: """
        FLOPs count one forward pass of one sample: a multiply-add is 2, a bias add 1, ReLU, sigmoid and \
        tanh 1 per element, batch norm 2 per element, max pooling size²−1 per output; dropout and flatten 0. \
        The arena is measured for training with --optimizer on batches of --batch-size.
        """
    )

    @Option(help: ArgumentHelp("A preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", "))) on 1×28×28 images in 10 classes, or a model file written by `scratchnet train --save` (or a checkpoint).",
                               valueName: "preset|file"),
            completion: .file(extensions: ["safetensors"]))
    var model: String = Preset.twoLayer.rawValue

    @Option(help: ArgumentHelp("Hidden layer sizes for --model mlp, comma-separated (e.g. 256,256,256).", valueName: "sizes"))
    var hidden: HiddenSizes?

    @Option(help: "Samples per batch, for the activation memory and the arena.")
    var batchSize: Int = 100

    @Option(help: "Optimizer whose state the arena holds.")
    var optimizer: OptimizerKind = .sgd

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
        guard batchSize <= Network.maximumBatch else {
            throw ValidationError("--batch-size must be at most \(Network.maximumBatch), got \(batchSize)")
        }
    }

    func run() throws {
        let spec = try Self.spec(model, hidden: hidden)
        let summary = try ModelSummary(spec: spec)
        let network = try Network(spec: spec, maxBatch: batchSize,
                                  optimizer: optimizer.make(learningRate: RunPlan.defaultLearningRate(for: optimizer)))
        print("model \(spec.preset ?? model): \(spec.summary)")
        print(summary.table(batch: batchSize, arenaBytes: network.requiredArenaBytes))
    }

    /// A preset's spec when `model` names one and no file of that name
    /// exists, else the architecture stored in the model file `model`.
    static func spec(_ model: String, hidden: HiddenSizes?) throws -> NetworkSpec {
        if let preset = Preset(rawValue: model), !FileManager.default.fileExists(atPath: model) {
            let choice = ModelChoice(preset: preset, hidden: hidden)
            try choice.validate()
            return choice.spec(inputShape: [1, 28, 28], classes: 10)
        }
        if hidden != nil { throw ValidationError("--hidden applies to a preset (--model mlp), not to a model file") }
        guard FileManager.default.fileExists(atPath: model) else {
            throw CLIFailure(.noInput, "--model: \(model) is neither a preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", "))) nor an existing file")
        }
        return try ModelFile.spec(in: SafeTensors.read(path: model))
    }
}
