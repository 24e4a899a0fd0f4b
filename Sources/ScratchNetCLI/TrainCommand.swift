import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet train`: train a preset on an MNIST-format data set.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on Fashion-MNIST (or any MNIST-format data) and report accuracy."
    )

    @Option(help: "Model preset: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = Preset.twoLayer.rawValue

    @Option(help: "Hidden layer sizes for --model mlp, comma-separated (e.g. 256,256,256).")
    var hidden: String?

    @Option(help: "Activation between affine layers: relu, sigmoid or tanh.")
    var activation: String = "relu"

    @Flag(help: "BatchNorm after each hidden affine layer, before its activation (two-layer, mlp).")
    var batchnorm = false

    @Option(help: "Dropout ratio after each hidden activation, e.g. 0.2 (two-layer, mlp; inverted dropout).")
    var dropout: Float?

    @Option(name: [.customLong("init"), .customLong("initializer")], help: "Weight initializer: he, xavier, or a standard deviation such as 0.01.")
    var initializer: String = "he"

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: String = "sgd"

    @Option(help: "Passes over the training set.")
    var epochs: Int = 10

    @Option(help: "Samples per mini-batch.")
    var batchSize: Int = 100

    @Option(help: "Learning rate (default: 0.1 for sgd, the two-layer net's rate; 0.01 for momentum, nesterov, adagrad and rmsprop; 0.001 for adam, the book's defaults).")
    var lr: Float?

    /// The learning rate used: --lr, or the default of the chosen optimizer.
    var learningRate: Float {
        if let lr { return lr }
        let kind = OptimizerKind(argument: optimizer) ?? .sgd
        return kind == .sgd ? 0.1 : kind.defaultLearningRate
    }

    @Option(help: "Learning-rate schedule over the run: constant, cosine (to 0 at the last step), cosine:FLOOR (to FLOOR·lr), or step:EPOCHS:FACTOR (×FACTOR every EPOCHS epochs).")
    var lrSchedule: String = "constant"

    @Option(help: "Augment training images: none, or a comma-separated list of flip (mirror left-right, p = 1/2) and shift:N (move up to N pixels in x and y), e.g. flip,shift:2.")
    var augment: String = "none"

    @Option(help: "L2 weight decay λ (0 = off).")
    var weightDecay: Float = 0

    @Option(help: "Random seed: fixes initial weights and batch order.")
    var seed: UInt64 = 42

    @Option(help: "Kernel threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Always train on --threads threads: no probing of 1 thread against them (for measuring thread scaling; on a busy machine 1 thread may then be faster). With --shards: always run the replicas on their own threads, never in turn on one.")
    var fixedThreads = false

    @Option(help: "Directory with the four MNIST-format IDX files (default: $\(MNISTFormat.directoryVariable) or \(MNISTFormat.defaultDirectory)).")
    var data: String?

    @Option(help: "Kernels: fast (C/OpenMP + SIMD) or naive (plain Swift loops).")
    var backend: String = Backend.fast.rawValue

    @Option(help: "Arena size in bytes (default: measured from the network and batch size).")
    var arenaBytes: Int?

    @Option(help: "Write a JSON summary of the run to this file.")
    var metricsJson: String?

    @Flag(help: "Print only the final summary.")
    var quiet = false

    @Option(help: "Read options from a JSON file (as `scratchnet search` writes); flags on the command line win.")
    var config: String?

    @Option(help: "Hold out this fraction of the training data (seeded) and report accuracy on it each epoch.")
    var validationSplit: Double?

    @Option(help: "Write an HTML report with charts to DIR/report.html.")
    var report: String?

    @OptionGroup(title: "Saving, checkpoints and resuming")
    var persistence: CheckpointOptions

    @OptionGroup(title: "Distributed training")
    var distributedOptions: DistributedOptions

    func validate() throws {
        guard Preset(rawValue: model) != nil else {
            throw ValidationError("unknown model '\(model)'; choose one of: \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs must be >= 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
        if let lr { guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") } }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be >= 0, got \(weightDecay)") }
        if let threads { guard threads >= 1 else { throw ValidationError("--threads must be >= 1, got \(threads)") } }
        guard Backend(rawValue: backend) != nil else { throw ValidationError("unknown backend '\(backend)'; choose fast or naive") }
        guard ["relu", "sigmoid", "tanh"].contains(activation) else { throw ValidationError("unknown activation '\(activation)'; choose relu, sigmoid or tanh") }
        if let dropout { guard dropout > 0, dropout < 1 else { throw ValidationError("--dropout must be in (0, 1), got \(dropout)") } }
        if batchnorm || dropout != nil {
            guard [Preset.twoLayer.rawValue, Preset.mlp.rawValue].contains(model) else {
                throw ValidationError("--batchnorm and --dropout apply to --model two-layer or mlp (the CNN presets have fixed layers)")
            }
        }
        guard WeightInitializer(argument: initializer) != nil else {
            throw ValidationError("unknown initializer '\(initializer)'; use he, xavier or a positive standard deviation")
        }
        guard OptimizerKind(argument: optimizer) != nil else {
            throw ValidationError("unknown optimizer '\(optimizer)'; available: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if hidden != nil {
            guard model == Preset.mlp.rawValue else { throw ValidationError("--hidden applies to --model mlp only") }
            _ = try hiddenSizes()
        }
        guard LearningRateSchedule(argument: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule: '\(lrSchedule)' is not constant, cosine, cosine:FLOOR (0...1) or step:EPOCHS:FACTOR (factor in (0, 1])")
        }
        guard Augmentation(argument: augment) != nil else {
            throw ValidationError("--augment: '\(augment)' is not none or a list of flip and shift:N (N in 1...16)")
        }
        if distributedOptions.distributed, lrSchedule != "constant" || augment != "none" {
            throw ValidationError("--lr-schedule and --augment are not yet supported with --distributed")
        }
        if let arenaBytes { guard arenaBytes > 0 else { throw ValidationError("--arena-bytes must be > 0") } }
        try validateExperimentOptions()
    }

    var activationSpec: LayerSpec {
        switch activation {
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        default: return .relu
        }
    }

    /// The `--model` preset with the flags that shape it, sized for the data.
    func presetSpec(train: LabeledImages, test: LabeledImages) throws -> NetworkSpec {
        Preset(rawValue: model)!.spec(
            inputShape: train.sampleShape, classes: max(train.classCount, test.classCount),
            hidden: try hiddenSizes(), activation: activationSpec,
            initializer: WeightInitializer(argument: initializer)!, weightDecay: weightDecay,
            batchNorm: batchnorm, dropout: dropout)
    }

    /// `--metrics-json`: pretty, sorted keys, written atomically.
    func writeMetrics(_ summary: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(summary)) + [10], to: path)
    }

    func hiddenSizes() throws -> [Int]? {
        guard let hidden else { return nil }
        let sizes = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden must be positive sizes separated by commas, got '\(hidden)'")
        }
        return sizes.map { $0! }
    }

    func run() throws {
        if let configured = try applyingConfigFile() { return try configured.run() }
        if distributedOptions.distributed { return try runDistributed() }
        let directory = data ?? ProcessInfo.processInfo.environment[MNISTFormat.directoryVariable] ?? MNISTFormat.defaultDirectory
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        KernelThreads.set(threadCount)
        let backend = Backend(rawValue: backend)!

        let (allTrain, test) = try DataSource.loadTrainAndTest(directory)
        let (train, validation) = try splitForValidation(allTrain)
        let resumeFile = try persistence.resumeFile()
        let spec = try persistence.resumedSpec(resumeFile) ?? presetSpec(train: train, test: test)
        let lr = learningRate
        let optimizer = OptimizerKind(argument: self.optimizer)!.make(learningRate: lr)
        let network = try Network(spec: spec, maxBatch: batchSize, backend: backend, optimizer: optimizer,
                                  seed: seed, arenaCapacity: arenaBytes)
        let trainer = try Trainer(network: network, train: train, test: test,
                                  options: .init(epochs: epochs, batchSize: batchSize, seed: seed,
                                                adaptiveThreads: !fixedThreads,
                                                schedule: LearningRateSchedule(argument: lrSchedule)!,
                                                augmentation: Augmentation(argument: augment)!))
        try persistence.restore(trainer, from: resumeFile)
        let report = self.report.map { _ in TrainingReport(network: network, title: "scratchnet train: \(model) on \(directory)") }

        if !quiet {
            print("model \(model): \(spec.summary)")
            print("data \(directory): \(train.count) train, \(test.count) test samples")
            print("backend \(backend.rawValue), \(KernelThreads.count) thread(s), optimizer \(optimizer.name) lr \(lr) (\(lrSchedule)), augment \(augment), batch \(batchSize), seed \(seed), arena \(Arena.formatBytes(network.arena.capacity))")
        }
        var bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        let wall = Stopwatch()
        let history = try persistence.run { afterStep, afterEpoch in try trainer.run(
            onStep: { bar.update($0); report?.recordStep(stepInEpoch: $0.stepInEpoch, runningMean: $0.loss) },
            onEpoch: { r in
                bar.finishLine()
                if !quiet {
                    print("epoch \(r.epoch): loss \(format(r.meanLoss, 4))  train acc \(format(r.trainAccuracy * 100, 2))%  test acc \(format((r.testAccuracy ?? 0) * 100, 2))%  \(Int(r.samplesPerSecond)) samples/s")
                }
                self.afterEpoch(r, network: network, validation: validation, report: report)
            }, afterStep: afterStep, afterEpoch: afterEpoch) }
        try persistence.saveModel(network)
        let last = history.last!
        let totalTrainSeconds = history.reduce(0) { $0 + $1.trainSeconds }
        let samplesPerSecond = Double(train.count * history.count) / max(totalTrainSeconds, 1e-9)
        try writeReport(report, network: network, train: train, test: test, source: directory, seconds: wall.elapsed)
        print("final: test accuracy \(format((last.testAccuracy ?? 0) * 100, 2))%, loss \(format(last.meanLoss, 4)), \(Int(samplesPerSecond)) train samples/s, \(format(wall.elapsed, 1)) s")

        if let metricsJson {
            let summary = MetricsSummary(
                test_accuracy: Double(last.testAccuracy ?? 0), train_accuracy: Double(last.trainAccuracy),
                train_samples_per_second: samplesPerSecond, final_loss: Double(last.meanLoss),
                epochs: epochs, batch_size: batchSize, learning_rate: Double(lr), seed: seed,
                threads: KernelThreads.count, model: model, backend: backend.rawValue,
                arena_bytes: network.arena.capacity, wall_seconds: wall.elapsed,
                history: history.map { .init(epoch: $0.epoch, loss: Double($0.meanLoss), train_accuracy: Double($0.trainAccuracy),
                                             test_accuracy: $0.testAccuracy.map(Double.init), samples_per_second: $0.samplesPerSecond) })
            try writeMetrics(summary, to: metricsJson)
        }
    }
}

/// The machine-readable summary written by `--metrics-json`.
struct MetricsSummary: Encodable {
    struct Epoch: Encodable {
        var epoch: Int
        var loss: Double
        var train_accuracy: Double
        var test_accuracy: Double?
        var samples_per_second: Double
    }
    var test_accuracy: Double
    var train_accuracy: Double
    var train_samples_per_second: Double
    var final_loss: Double
    var epochs: Int
    var batch_size: Int
    var learning_rate: Double
    var seed: UInt64
    var threads: Int
    var model: String
    var backend: String
    var arena_bytes: Int
    var wall_seconds: Double
    var history: [Epoch]
}
