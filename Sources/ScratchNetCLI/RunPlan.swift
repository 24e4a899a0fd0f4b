import ArgumentParser
import Foundation
import ScratchNet

/// Everything `scratchnet train` will do, resolved once from the config file
/// and the flags and checked completely before any data is loaded: a typo
/// in the last flag fails in milliseconds, not after the run.
///
/// Precedence, for every option: a flag on the command line, else the
/// `--config` file, else the default. Local and distributed training both
/// run from the plan, so they build the same network.
struct RunPlan {
    var model: ModelChoice
    var optimizer: OptimizerKind
    /// `--lr`, else the config's, else ``defaultLearningRate(for:)``.
    var learningRate: Float
    var schedule: LearningRateSchedule
    var augmentation: Augmentation
    /// `--train-accuracy-samples`: score this many training images per epoch (nil: all).
    var trainAccuracySamples: Int?
    var epochs: Int
    var batchSize: Int
    var seed: UInt64
    /// Kernel threads: the one count this run uses (the networks this plan makes own it).
    var threads: Int
    /// Probe 1 thread against ``threads`` (off with `--fixed-threads`).
    var adaptiveThreads: Bool
    var dataDirectory: String
    var backend: Backend
    var arenaBytes: Int?
    var validationSplit: Double?
    var persistence: CheckpointOptions
    var metricsJson: String?
    /// `--log`, `--log-every`, `--tensorboard`, `--early-stop` and `--save-best`.
    var monitoring: MonitoringOptions
    /// `--classes`, parsed (nil: the data set's names, when known).
    var classNames: [String]?
    /// Architecture flags given on the command line, checked against a resumed checkpoint.
    var architectureFlags: [String] = []
    /// `--report DIR`: the report goes to DIR/report.html.
    var reportDirectory: String?
    var quiet: Bool
    var distributed: Bool
    var verifySync: Bool
    /// `--weight-decay` with `--optimizer adamw`: AdamW's λ (the spec's L2 is then 0).
    var decoupledWeightDecay: Float?
    /// `--label-smoothing` (0: none).
    var labelSmoothing: Float = 0
    /// `--tta flip`: the per-epoch test score averages each image's softmax with its mirror's.
    var testTimeFlip = false
    /// `--init-from FILE` (or the config's `init_from`): the weights the run starts from.
    var initFrom: String?

    /// The learning rate an optimizer starts from unless told: 0.1 for SGD
    /// (the two-layer net's rate), the book's defaults for the others.
    static func defaultLearningRate(for optimizer: OptimizerKind) -> Float {
        optimizer == .sgd ? 0.1 : optimizer.defaultLearningRate
    }

    /// Resolves and checks `command`'s flags over its `--config` file.
    /// - Parameter environment: where `$SCRATCHNET_DATA` and the MPI launcher's
    ///   local rank count come from.
    init(_ command: TrainCommand, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let file = try command.config.map(ConfigFile.init(path:))
        let flags = command.modelOptions
        try command.persistence.refuseInitializerOnResume(flags)
        architectureFlags = flags.givenArchitectureFlags
        initFrom = command.initFrom ?? file?.configuration.initFrom
        try InitialWeights.refuseConflicts(initFrom, resume: command.persistence.resume, initializer: flags.initializer)

        var model = ModelChoice()
        model.preset = try flags.model ?? file?.value(\.model, key: "model") ?? .twoLayer
        model.activation = try flags.activation ?? file?.value(\.activation, key: "activation") ?? .relu
        model.initializer = try flags.initializer ?? file?.value(\.initializer, key: "initializer") ?? .he
        model.hidden = flags.hidden
        if model.hidden == nil, model.preset == .mlp, let sizes = file?.configuration.hidden {
            guard !sizes.isEmpty, sizes.count <= HiddenSizes.maximumLayers, sizes.allSatisfy({ (1...HiddenSizes.maximumSize).contains($0) }) else {
                throw file!.invalid("hidden", "\(sizes)", " (1 to \(HiddenSizes.maximumLayers) sizes of 1...\(HiddenSizes.maximumSize))")
            }
            model.hidden = HiddenSizes(sizes)
        }
        model.batchNorm = flags.batchnorm ?? file?.configuration.batchNorm ?? false
        model.dropout = try flags.dropout ?? file?.number(\.dropout, key: "dropout", atLeast: 0, exclusive: true).map(Float.init)
        model.weightDecay = try command.weightDecay ?? file?.number(\.weightDecay, key: "weight_decay", atLeast: 0).map(Float.init) ?? 0
        try model.validate()
        self.model = model

        optimizer = try command.optimizer ?? file?.value(\.optimizer, key: "optimizer") ?? .sgd
        learningRate = try command.lr ?? file?.number(\.learningRate, key: "learning_rate", atLeast: 0, exclusive: true).map(Float.init)
            ?? Self.defaultLearningRate(for: optimizer)
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--lr must be a positive number, got \(learningRate)") }
        schedule = command.lrSchedule
        augmentation = command.augment
        epochs = try Self.count(command.epochs, flag: "--epochs", file: file, \.epochs, key: "epochs",
                                maximum: Trainer.maximumEpochs) ?? 10
        batchSize = try Self.count(command.batchSize, flag: "--batch-size", file: file, \.batchSize, key: "batch_size",
                                   maximum: Network.maximumBatch) ?? 100
        trainAccuracySamples = try Self.count(command.trainAccuracySamples, flag: "--train-accuracy-samples", file: file,
                                              \.trainAccuracySamples, key: "train_accuracy_samples", maximum: Int(Int32.max))
        if let warmup = command.warmupEpochs {
            guard warmup > 0, warmup <= Float(epochs) else { throw ValidationError("--warmup-epochs must be in (0, --epochs], got \(warmup)") }
            schedule = schedule.withWarmup(epochs: warmup)
        }
        labelSmoothing = command.labelSmoothing ?? 0
        guard labelSmoothing >= 0, labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1), got \(labelSmoothing)") }
        testTimeFlip = command.tta == .flip
        if optimizer == .adamw {
            // AdamW decays the weights itself (decoupled), not through the loss.
            decoupledWeightDecay = self.model.weightDecay
            self.model.weightDecay = 0
        }
        seed = command.seed ?? file?.configuration.seed ?? 42
        backend = command.backend
        arenaBytes = command.arenaBytes
        if let arenaBytes {
            guard arenaBytes > 0 else { throw ValidationError("--arena-bytes must be > 0") }
            guard arenaBytes <= Arena.maximumCapacity else {
                throw ValidationError("--arena-bytes \(arenaBytes) is more than this machine's memory (\(Arena.maximumCapacity) bytes)")
            }
        }
        validationSplit = command.validationSplit
        if let validationSplit {
            guard validationSplit > 0, validationSplit < 1 else {
                throw ValidationError("--validation-split must be in (0, 1), got \(validationSplit)")
            }
        }
        persistence = command.persistence
        metricsJson = command.output.metricsJson
        monitoring = command.monitoring
        if monitoring.earlyStop != nil, validationSplit == nil {
            throw ValidationError("--early-stop needs --validation-split: it watches the validation accuracy")
        }
        classNames = try command.classes.map(ClassNames.parse)
        reportDirectory = command.output.report
        quiet = command.output.quiet
        distributed = command.distributedOptions.distributed
        verifySync = command.distributedOptions.verifySync
        adaptiveThreads = !command.fixedThreads

        if distributed {
            let unsupported: [(Bool, String)] = [
                (schedule != .constant, "--lr-schedule"), (!augmentation.isNone, "--augment"),
                (validationSplit != nil, "--validation-split"), (reportDirectory != nil, "--report"),
                (persistence.checkpoint != nil, "--checkpoint"), (persistence.resume != nil, "--resume"),
                (initFrom != nil, "--init-from"),
                (monitoring.log != nil, "--log"), (monitoring.tensorboard != nil, "--tensorboard"),
                (monitoring.earlyStop != nil, "--early-stop"), (monitoring.saveBest != nil, "--save-best"),
            ]
            if let (_, flag) = unsupported.first(where: { $0.0 }) {
                throw ValidationError("\(flag) is not supported with --distributed")
            }
        } else if verifySync {
            throw ValidationError("--verify-sync applies to --distributed only")
        }

        // Ranks on one machine share its cores: split them unless told.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let localRanks = distributed ? max(environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1, 1) : 1
        threads = command.threads.count(default: max(1, cores / localRanks))

        dataDirectory = DataOptions.resolve(command.data.data, environment: environment)
        try DataOptions.requireExisting(dataDirectory)
        try persistence.checkFiles()
        if let initFrom, !FileManager.default.fileExists(atPath: initFrom) { throw DataError.fileNotFound(path: initFrom) }
        if let metricsJson { try OutputPath.checkWritable(metricsJson, flag: "--metrics-json") }
        if let log = monitoring.log { try OutputPath.checkWritable(log, flag: "--log") }
        if let saveBest = monitoring.saveBest { try OutputPath.checkWritable(saveBest, flag: "--save-best") }
        if let directory = monitoring.tensorboard { try OutputPath.checkDirectory(directory, flag: "--tensorboard", mayCreate: true) }
        if let reportDirectory {
            try OutputPath.checkDirectory(reportDirectory, flag: "--report", mayCreate: true)
            if OutputPath.isDirectory(reportDirectory) {
                try OutputPath.checkWritable(Self.reportFile(in: reportDirectory), flag: "--report")
            }
        }
        let outputs = MetricsOutput.files([persistence.save, persistence.checkpoint, metricsJson, reportDirectory.map(Self.reportFile(in:)),
                                           monitoring.log, monitoring.saveBest])
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if Set(outputs).count < outputs.count {
            throw ValidationError("--save, --checkpoint, --metrics-json, --report, --log and --save-best must name different files")
        }
    }

    static func reportFile(in directory: String) -> String { directory + "/report.html" }

    /// A count from `flag`, else from the config file's `key`, in
    /// 1...`maximum`: sizes from outside are bounded before they meet any
    /// arithmetic (a flag out of range: exit 64; the file's: 65).
    static func count(_ flagValue: Int?, flag: String, file: ConfigFile?, _ field: KeyPath<TrainingConfiguration, Int?>,
                      key: String, maximum: Int) throws -> Int? {
        if let flagValue {
            guard flagValue >= 1 else { throw ValidationError("\(flag) must be >= 1, got \(flagValue)") }
            guard flagValue <= maximum else { throw ValidationError("\(flag) must be at most \(maximum), got \(flagValue)") }
            return flagValue
        }
        guard let value = try file?.number(field, key: key, atLeast: 1) else { return nil }
        guard value <= maximum else { throw file!.invalid(key, "\(value)", " (must be at most \(maximum))") }
        return value
    }

    /// A fresh network of `spec` with the plan's backend, optimizer, seed and
    /// arena, for batches of up to `maxBatch` samples.
    /// - Parameter trainingSamples: the training set's size: no batch is
    ///   larger, so the arena is never sized beyond it (a batch size above
    ///   it is then refused by the trainer, in one line).
    func makeNetwork(spec: NetworkSpec, maxBatch: Int, trainingSamples: Int? = nil) throws -> Network {
        try Network(spec: spec, maxBatch: max(1, min(maxBatch, trainingSamples ?? maxBatch)), backend: backend,
                    optimizer: optimizer.make(learningRate: learningRate, decoupledWeightDecay: decoupledWeightDecay), seed: seed, arenaCapacity: arenaBytes, threads: threads)
    }

    /// The trainer's options for this run.
    var trainerOptions: Trainer.Options {
        .init(epochs: epochs, batchSize: batchSize, seed: seed, adaptiveThreads: adaptiveThreads,
              schedule: schedule, augmentation: augmentation, trainAccuracySamples: trainAccuracySamples)
            .with(labelSmoothing: labelSmoothing, testTimeFlip: testTimeFlip)
    }
}

/// A `--config` file and the path to name in its errors.
struct ConfigFile {
    var path: String
    var configuration: TrainingConfiguration

    init(path: String) throws {
        self.path = path
        configuration = try TrainingConfiguration.read(path: path)
    }

    /// The string at `key`, parsed as the flag of the same name parses it
    /// (malformed: exit 65).
    func value<T: ExpressibleByArgument>(_ field: KeyPath<TrainingConfiguration, String?>, key: String) throws -> T? {
        guard let text = configuration[keyPath: field] else { return nil }
        guard let value = T(argument: text) else {
            let allowed = T.allValueStrings.isEmpty ? "" : " (choose from: \(T.allValueStrings.joined(separator: ", ")))"
            throw invalid(key, "'\(text)'", allowed)
        }
        return value
    }

    /// A value of the file's, checked as its flag's value is.
    func number<T: Comparable>(_ field: KeyPath<TrainingConfiguration, T?>, key: String, atLeast minimum: T,
                               exclusive: Bool = false) throws -> T? {
        guard let value = configuration[keyPath: field] else { return nil }
        guard exclusive ? value > minimum : value >= minimum else {
            throw invalid(key, "\(value)", exclusive ? " (must be > \(minimum))" : " (must be >= \(minimum))")
        }
        return value
    }

    func invalid(_ key: String, _ value: String, _ note: String = "") -> CLIFailure {
        CLIFailure(.dataError, "\(path): \(key) \(value) is not valid\(note)")
    }
}
