import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet train`: train a preset on an MNIST-format data set.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on Fashion-MNIST (or any MNIST-format data) and report accuracy.",
        discussion: """
        SIGINT (Ctrl-C) or SIGTERM stops training after the step in progress, writes the --checkpoint \
        file and prints the command that resumes the run (exit status 130); a second signal ends the \
        process at once. Each output file is locked (FILE.lock) for the whole run, so a second run \
        writing it stops at once (exit status 73).
        """
    )

    @OptionGroup(title: "Model")
    var modelOptions: ModelOptions

    @Option(help: "Optimizer (default: sgd).")
    var optimizer: OptimizerKind?

    @Option(help: "Passes over the training set (default: 10).")
    var epochs: Int?

    @Option(help: "Samples per mini-batch (default: 100).")
    var batchSize: Int?

    @Option(help: "Learning rate (default: 0.1 for sgd, the two-layer net's rate; 0.01 for momentum, nesterov, adagrad and rmsprop; 0.001 for adam, the book's defaults).")
    var lr: Float?

    @Option(help: ArgumentHelp("Learning-rate schedule over the run: constant, cosine (to 0 at the last step), cosine:FLOOR (to FLOOR·lr), or step:EPOCHS:FACTOR (×FACTOR every EPOCHS epochs), one-cycle[:PEAK], warmup:EPOCHS+SCHEDULE.", valueName: "schedule"))
    var lrSchedule: LearningRateSchedule = .constant

    @Option(help: ArgumentHelp("Augment training images: none, or a comma-separated list of flip (mirror left-right, p = 1/2) and shift:N (move up to N pixels in x and y; crop:N, a random crop with N pixels of padding, is the same), e.g. flip,shift:2.", valueName: "list"))
    var augment: Augmentation = .none

    @Option(help: "L2 weight decay λ (default: 0, off); with --optimizer adamw, the decoupled decay λ (weights shrink by lr·λ each step).")
    var weightDecay: Float?

    @Option(help: "Epochs of linear learning-rate warmup before --lr-schedule (fractions allowed, e.g. 0.5).")
    var warmupEpochs: Float?

    @Option(help: "Label smoothing ε in [0, 1): train against (1 − ε)·onehot + ε/classes (default: 0).")
    var labelSmoothing: Float?

    @Option(help: "Per-epoch test score: none, or flip (mean softmax of each image and its mirror image).")
    var tta: TestTimeAugmentation?

    @Option(help: "A whole training recipe (Docs/Recipes.md): fast. Flags given beat its values.")
    var recipe: Recipe?

    @Option(help: "Random seed: fixes initial weights and batch order (default: 42).")
    var seed: UInt64?

    @OptionGroup(title: "Threads")
    var threads: ThreadOptions

    @Flag(help: "Always train on --threads threads: no probing of 1 thread against them (for measuring thread scaling; on a busy machine 1 thread may then be faster).")
    var fixedThreads = false

    @OptionGroup(title: "Data")
    var data: DataOptions

    @Option(help: "Kernels: fast (C/OpenMP + SIMD) or naive (plain Swift loops).")
    var backend: Backend = .fast

    @Option(help: "Arena size in bytes (default: measured from the network and batch size).")
    var arenaBytes: Int?

    @Option(help: "Read options from a JSON file (as `scratchnet search` writes); a flag on the command line beats the file's value.",
            completion: .file(extensions: ["json"]))
    var config: String?

    @Option(help: ArgumentHelp("Start from the weights of this model: a .safetensors model file or an .onnx model (imported as `scratchnet import` does); the architecture comes from the file. Not with --resume.", valueName: "file"),
            completion: .file(extensions: ["safetensors", "onnx"]))
    var initFrom: String?

    @Option(help: "Hold out this fraction of the training data (seeded) and report accuracy on it each epoch.")
    var validationSplit: Double?

    @Option(help: ArgumentHelp("Class names stored in the --save file, so that predict and eval print them: a file with one name per line, or 'a,b,c' (default: the data set's, when known, as Fashion-MNIST's).", valueName: "file|list"))
    var classes: String?

    @Option(help: "Score this many training images (a seeded sample, the same every epoch) for the per-epoch train accuracy (default: all).")
    var trainAccuracySamples: Int?

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Saving, checkpoints and resuming")
    var persistence: CheckpointOptions

    @OptionGroup(title: "Live logs, early stopping and the best model")
    var monitoring: MonitoringOptions

    @OptionGroup(title: "Distributed training")
    var distributedOptions: DistributedOptions

    func run() throws {
        let plan = try RunPlan(recipe?.apply(to: self) ?? self)
        if plan.distributed { return try Self.runDistributed(plan) }
        try Self.train(plan)
    }

    /// Trains on this process's cores, as `plan` says.
    static func train(_ plan: RunPlan) throws {
        let process = Stopwatch()
        var secondsToAccuracy = TimeToAccuracy()
        try OutputLock.acquire(outputs(of: plan))
        let quiet = plan.quiet
        let directory = plan.dataDirectory
        let (allTrain, test) = try DataSource.loadTrainAndTest(directory)
        let (train, validation) = try splitForValidation(allTrain, plan: plan)
        let resumeFile = try plan.persistence.resumeFile()
        let initial = try plan.initFrom.map(InitialWeights.read(path:))
        let spec = try initial?.architecture(flags: plan.architectureFlags, weightDecay: plan.model.weightDecay) { try plan.model.spec(train: train, test: test) }
            ?? plan.persistence.architecture(resumeFile, flags: plan.architectureFlags) { try plan.model.spec(train: train, test: test) }
        let network = try plan.makeNetwork(spec: spec, maxBatch: plan.batchSize, trainingSamples: train.count)
        try initial?.load(into: network)
        let trainer = try Trainer(network: network, train: train, test: test, options: plan.trainerOptions)
        let classNames = try plan.classNames(forClasses: network.classes, data: allTrain)
        try plan.persistence.restore(trainer, from: resumeFile)
        let model = plan.model.preset.rawValue
        let report = plan.reportDirectory.map { _ in TrainingReport(network: network, title: "scratchnet train: \(model) on \(directory)") }

        let monitor = try TrainingMonitor(plan: plan, hasValidation: validation != nil, classNames: classNames, train: train)
        if !quiet {
            print("model \(model): \(spec.summary)")
            if let table = try? ModelSummary(spec: spec).table(batch: plan.batchSize, arenaBytes: network.arena.capacity) { print(table) }
            print("data \(directory): \(train.count) train, \(test.count) test samples")
            let kernels = plan.backend == .fast ? " (\(InstructionSetLimit.automaticKernel) kernels)" : ""
            print("backend \(plan.backend.rawValue)\(kernels), \(network.threads) thread(s), optimizer \(network.optimizer?.name ?? plan.optimizer.rawValue) lr \(plan.learningRate) (\(plan.schedule)), augment \(plan.augmentation), batch \(plan.batchSize), seed \(plan.seed), arena \(Arena.formatBytes(network.arena.capacity))")
        }
        let trainAccuracyLabel = trainer.trainAccuracySample.map { "train acc (\($0.count) samples)" } ?? "train acc"
        if !quiet, let events = monitor.eventFile { print("tensorboard: \(events)") }
        var bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0, epochs: plan.epochs)
        defer { bar.finishLine() }
        let wall = Stopwatch()
        Interrupts.install()
        let history = try plan.persistence.run { afterStep, afterEpoch in try trainer.run(
            onStep: { bar.update($0); monitor.record($0); report?.recordStep(stepInEpoch: $0.stepInEpoch, runningMean: $0.loss) },
            onEpoch: { r in
                bar.finishLine()
                if !quiet {
                    print("epoch \(r.epoch): loss \(format(r.meanLoss, 4))  \(trainAccuracyLabel) \(format(r.trainAccuracy * 100, 2))%  test acc \(format((r.testAccuracy ?? 0) * 100, 2))%  \(Int(r.samplesPerSecond)) samples/s")
                }
                let validationAccuracy = recordEpoch(r, network: network, validation: validation, report: report, quiet: quiet)
                monitor.record(r, validation: validationAccuracy)
                secondsToAccuracy.record(accuracy: r.testAccuracy, at: process.elapsed)
            }, afterStep: { try monitor.afterStep($0); return try afterStep($0) },
            afterEpoch: { try afterEpoch($0) && monitor.afterEpoch($0) }) }
        try plan.persistence.saveModel(network, classNames: classNames)
        try DataSource.recordStandardization(of: train, inModelAt: plan.persistence.save)
        if Interrupts.requested { throw Interrupts.afterLastStep(saved: plan.persistence.save) }
        let last = history.last!
        let totalTrainSeconds = history.reduce(0) { $0 + $1.trainSeconds }
        let samplesPerSecond = Double(train.count * history.count) / max(totalTrainSeconds, 1e-9)
        try writeReport(report, plan: plan, network: network, train: train, test: test, seconds: wall.elapsed)
        if let best = try monitor.finish(trainer) { print(best) }
        print("final: test accuracy \(format((last.testAccuracy ?? 0) * 100, 2))%, loss \(format(last.meanLoss, 4)), \(Int(samplesPerSecond)) train samples/s, \(format(wall.elapsed, 1)) s")

        if let metricsJson = plan.metricsJson {
            let summary = MetricsSummary(
                test_accuracy: Double(last.testAccuracy ?? 0), train_accuracy: Double(last.trainAccuracy),
                train_samples_per_second: samplesPerSecond, final_loss: Double(last.meanLoss),
                epochs: plan.epochs, batch_size: plan.batchSize, learning_rate: Double(plan.learningRate), seed: plan.seed,
                threads: network.threads, model: model, backend: plan.backend.rawValue,
                arena_bytes: network.arena.capacity, wall_seconds: wall.elapsed,
                history: history.map { .init(epoch: $0.epoch, loss: Double($0.meanLoss), train_accuracy: Double($0.trainAccuracy),
                                             test_accuracy: $0.testAccuracy.map(Double.init), samples_per_second: $0.samplesPerSecond) },
                best_epoch: monitor.stopping.bestEpoch, best_metric: monitor.stopping.bestEpoch.map { _ in monitor.stopping.metric },
                best_accuracy: monitor.stopping.bestEpoch.map { _ in monitor.stopping.bestAccuracy }, stopped_early: monitor.stoppedEarly)
            try writeMetrics(TimedMetricsSummary(summary: summary, secondsToAccuracy: secondsToAccuracy), to: metricsJson)
        }
        if Interrupts.requested { throw Interrupts.afterLastStep(saved: plan.persistence.save) }
    }

    /// Every file the run may write, for ``OutputLock``; the `--report`
    /// directory is created here so that its lock file has a place.
    static func outputs(of plan: RunPlan) throws -> [String] {
        var outputs = MetricsOutput.files([plan.persistence.save, plan.persistence.checkpoint, plan.metricsJson,
                                           plan.monitoring.log, plan.monitoring.saveBest])
        if let directory = plan.reportDirectory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            outputs.append(RunPlan.reportFile(in: directory))
        }
        return outputs
    }

    /// `--metrics-json`: pretty, sorted keys, written atomically.
    static func writeMetrics(_ summary: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try MetricsOutput.write(Array(try encoder.encode(summary)) + [10], to: path)
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
    /// The best epoch by `best_metric` ("validation" with a split, else "test") accuracy.
    var best_epoch: Int? = nil
    var best_metric: String? = nil
    var best_accuracy: Double? = nil
    /// True when `--early-stop` ended the run before its last epoch.
    var stopped_early: Bool = false
}
