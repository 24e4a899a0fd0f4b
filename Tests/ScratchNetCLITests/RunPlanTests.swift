import ArgumentParser
import Foundation
import Testing
@testable import ScratchNetCLI
import ScratchNet
import ScratchNetTestSupport

/// `scratchnet train`'s run plan: flags over the config file over defaults,
/// and one network spec for local and distributed training.
@Suite("train's run plan")
struct RunPlanTests {
    /// A plan for `scratchnet train ARGUMENTS`, reading data from `dir`.
    static func plan(_ arguments: [String], in dir: TemporaryDirectory) throws -> RunPlan {
        try RunPlan(TrainCommand.parse(arguments + ["--data", dir.root]), environment: [:])
    }

    static func writeConfig(_ config: TrainingConfiguration, in dir: TemporaryDirectory) throws -> String {
        let path = dir.path("config.json")
        try config.write(to: path)
        return path
    }

    @Test func distributedTrainingBuildsTheNetworkAskedFor() throws {
        let dir = TemporaryDirectory()
        let plan = try Self.plan(["--distributed", "--model", "mlp", "--hidden", "8,6", "--activation", "tanh",
                                  "--batchnorm", "--dropout", "0.2", "--init", "xavier", "--weight-decay", "0.01",
                                  "--batch-size", "10"], in: dir)
        let train = randomLabeledImages(count: 40, shape: [1, 4, 4], seed: 1)
        let test = randomLabeledImages(count: 20, shape: [1, 4, 4], seed: 2)
        let network = try TrainCommand.distributedNetwork(plan, train: train, test: test, ranks: 2)
        let asked = Preset.mlp.spec(inputShape: [1, 4, 4], classes: max(train.classCount, test.classCount), hidden: [8, 6],
                                    activation: .tanh, initializer: .xavier, weightDecay: 0.01, batchNorm: true, dropout: 0.2)
        #expect(network.spec == asked)
        #expect(network.spec.layers.contains(.tanh) && !network.spec.layers.contains(.relu))
        #expect(network.spec.layers.contains(.dropout(ratio: 0.2)))
        #expect(network.spec.layers.contains(.batchNorm))
        // Local training builds the same spec from the same plan.
        #expect(try plan.model.spec(train: train, test: test) == network.spec)
        #expect(network.maxBatch == 5, "one rank's shard of the global batch of 10")
    }

    @Test func noFlagsGiveTheDocumentedDefaults() throws {
        let dir = TemporaryDirectory()
        let plan = try Self.plan([], in: dir)
        #expect(plan.model == ModelChoice(preset: .twoLayer, hidden: nil, activation: .relu, batchNorm: false,
                                          dropout: nil, initializer: .he, weightDecay: 0))
        #expect(plan.optimizer == .sgd && plan.learningRate == 0.1)
        #expect(plan.epochs == 10 && plan.batchSize == 100 && plan.seed == 42)
        #expect(plan.schedule == .constant && plan.augmentation == .none && plan.backend == .fast)
        #expect(plan.threads == ProcessInfo.processInfo.activeProcessorCount && plan.adaptiveThreads)
    }

    @Test func eachOptimizerStartsFromItsOwnDefaultLearningRate() throws {
        let dir = TemporaryDirectory()
        for (name, lr) in [("sgd", Float(0.1)), ("momentum", 0.01), ("rmsprop", 0.01), ("Adam", 0.001)] {
            #expect(try Self.plan(["--optimizer", name], in: dir).learningRate == lr, "\(name)")
        }
    }

    @Test(arguments: ["--init", "--initializer"])
    func initializerFlagBeatsTheConfigFile(flag: String) throws {
        let dir = TemporaryDirectory()
        let config = try Self.writeConfig(TrainingConfiguration(initializer: "xavier"), in: dir)
        #expect(try Self.plan(["--config", config], in: dir).model.initializer == .xavier)
        #expect(try Self.plan(["--config", config, flag, "0.05"], in: dir).model.initializer == .gaussian(std: 0.05))
    }

    @Test func flagsBeatTheConfigFileWhichBeatsTheDefaults() throws {
        let dir = TemporaryDirectory()
        let config = try Self.writeConfig(TrainingConfiguration(
            model: "mlp", hidden: [7], activation: "sigmoid", batchNorm: true, dropout: 0.3, initializer: "he",
            optimizer: "adam", epochs: 3, batchSize: 20, learningRate: 0.5, weightDecay: 0.001, seed: 9), in: dir)
        let fromFile = try Self.plan(["--config", config], in: dir)
        #expect(fromFile.model == ModelChoice(preset: .mlp, hidden: HiddenSizes([7]), activation: .sigmoid, batchNorm: true,
                                              dropout: 0.3, initializer: .he, weightDecay: 0.001))
        #expect(fromFile.optimizer == .adam && fromFile.learningRate == 0.5)
        #expect(fromFile.epochs == 3 && fromFile.batchSize == 20 && fromFile.seed == 9)

        let overridden = try Self.plan(["--config", config, "--epochs", "4", "--optimizer", "momentum", "--hidden", "5,5",
                                        "--activation", "tanh", "--no-batchnorm", "--dropout", "0.1", "--lr", "0.02",
                                        "--weight-decay", "0", "--batch-size", "30", "--seed", "1", "--model", "mlp"], in: dir)
        #expect(overridden.model == ModelChoice(preset: .mlp, hidden: HiddenSizes([5, 5]), activation: .tanh, batchNorm: false,
                                                dropout: 0.1, initializer: .he, weightDecay: 0))
        #expect(overridden.optimizer == .momentum && overridden.learningRate == 0.02)
        #expect(overridden.epochs == 4 && overridden.batchSize == 30 && overridden.seed == 1)
    }

    @Test func theConfigFilesHiddenSizesApplyToMLPOnly() throws {
        let dir = TemporaryDirectory()
        let config = try Self.writeConfig(TrainingConfiguration(model: "mlp", hidden: [7]), in: dir)
        #expect(try Self.plan(["--config", config, "--model", "two-layer"], in: dir).model.hidden == nil)
    }

    @Test func aMalformedConfigValueIsADataErrorNamingTheFile() throws {
        let dir = TemporaryDirectory()
        let config = try Self.writeConfig(TrainingConfiguration(optimizer: "lion"), in: dir)
        let error = try #require(throws: CLIFailure.self) { try Self.plan(["--config", config], in: dir) }
        #expect(error.status == .dataError)
        #expect(error.message.hasPrefix("\(config): optimizer 'lion' is not valid"), "\(error.message)")
        let zero = try Self.writeConfig(TrainingConfiguration(epochs: 0), in: dir)
        let epochs = try #require(throws: CLIFailure.self) { try Self.plan(["--config", zero], in: dir) }
        #expect(epochs.message == "\(zero): epochs 0 is not valid (must be >= 1)")
    }

    @Test func threadsComeFromOnePlaceAndSplitOverLocalRanks() throws {
        let dir = TemporaryDirectory()
        #expect(try Self.plan(["--threads", "3"], in: dir).threads == 3)
        let command = try TrainCommand.parse(["--distributed", "--data", dir.root])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(try RunPlan(command, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]).threads == max(1, cores / 2))
    }

    @Test func optionsDistributedTrainingDoesNotHaveAreRefused() throws {
        let dir = TemporaryDirectory()
        for extra in [["--lr-schedule", "cosine"], ["--augment", "flip"], ["--validation-split", "0.1"],
                      ["--report", dir.path("r")], ["--checkpoint", dir.path("c")]] {
            #expect(throws: ValidationError.self, "\(extra)") { try Self.plan(["--distributed"] + extra, in: dir) }
        }
    }

    @Test func everyOutputIsCheckedBeforeWork() throws {
        let dir = TemporaryDirectory()
        try AtomicFile.write([1], to: dir.path("file"))
        for arguments in [["--save", dir.path("no/m.safetensors")], ["--checkpoint", dir.root],
                          ["--metrics-json", dir.path("no/m.json")], ["--report", dir.path("file/sub")],
                          ["--report", dir.path("file")]] {
            let error = try #require(throws: CLIFailure.self, "\(arguments)") { try Self.plan(arguments, in: dir) }
            #expect(error.status == .cannotCreate, "\(arguments): \(error)")
        }
        // A report directory that does not exist yet is created after training.
        _ = try Self.plan(["--report", dir.path("new/reports")], in: dir)
    }
}
