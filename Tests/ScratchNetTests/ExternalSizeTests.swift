import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Sizes that come from outside (flags, config files, model files) never
/// reach unchecked arithmetic: each too-large one is a typed error naming
/// the field and where it came from, not an overflow trap.
@Suite("External sizes")
struct ExternalSizeTests {
    static func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func networkRefusesABatchNearIntMaxBeforeSizingAnything() throws {
        let spec = Preset.twoLayer.spec()
        for batch in [Int.max, Int.max / 4, 1 << 40, Network.maximumBatch + 1] {
            let message = Self.error { _ = try Network(spec: spec, maxBatch: batch) }
            #expect(message?.contains("batch size \(batch)") == true, "\(batch): \(message ?? "no error")")
        }
        // Within the batch bound, but activations beyond 32-bit indices.
        let message = Self.error { _ = try Network(spec: spec, maxBatch: Network.maximumBatch) }
        #expect(message?.contains("input batch") == true, "\(message ?? "no error")")
    }

    @Test func convolutionAndPoolingGeometryIsCheckedAgainstTheInput() throws {
        func buildError(_ layers: [LayerSpec], input: [Int] = [1, 28, 28]) -> String? {
            Self.error { _ = try NetworkSpec(inputShape: input, layers: layers + [.flatten, .affine(outputs: 10)]).outputShapes() }
        }
        #expect(buildError([.conv2d(filters: 30, kernel: 5, padding: 1_000_000_000)])?.contains("padding 1000000000 must be smaller than the kernel 5") == true)
        #expect(buildError([.conv2d(filters: 30, kernel: Int.max, padding: Int.max - 1)]) != nil)
        #expect(buildError([.conv2d(filters: Int.max, kernel: 3)])?.contains("exceeds") == true)
        #expect(buildError([.conv2d(filters: 2, kernel: 3, stride: Int.max)])?.contains("stride") == true)
        #expect(buildError([.maxPool(size: 2, stride: 2, padding: Int.max)])?.contains("more than half the window") == true)
        #expect(buildError([.maxPool(size: Int.max, stride: 1, padding: Int.max / 2)]) != nil)
        #expect(buildError([.affine(outputs: Int.max)])?.contains("weights") == true)
        #expect(buildError([.conv2d(filters: 30, kernel: 5, padding: 2), .maxPool(size: 2, stride: 2)]) == nil)
        #expect(WindowGeometry.outputLength(input: 28, window: 5, stride: 1, padding: Int.max) == nil)
        #expect(WindowGeometry.outputLength(input: 28, window: 5, stride: 1, padding: 2) == 28)
        // The same check runs when a network is built.
        #expect(Self.error { _ = try Network(spec: NetworkSpec(inputShape: [1, 8, 8], layers: [
            .conv2d(filters: 2, kernel: 3, padding: 1 << 62), .flatten, .affine(outputs: 2)]), maxBatch: 4) } != nil)
    }

    @Test func arenaRefusesCapacitiesBeyondTheMachineAndRequestsNearIntMax() throws {
        for bytes in [Int.max, Int.max - 63, Arena.maximumCapacity + 1] {
            #expect(throws: ArenaError.tooLarge(bytes: bytes, limit: Arena.maximumCapacity)) { _ = try Arena(capacity: bytes) }
        }
        let measuring = Arena.measuring()
        #expect(throws: ArenaError.self) { _ = try measuring.allocateBytes(Int.max, name: "huge") }
        #expect(throws: SizeOverflow.self) { _ = try measuring.allocate(Shape(1 << 31, 1 << 31, 4), name: "huge") }
        #expect(throws: SizeOverflow.self) { _ = try measuring.allocateInt32(count: Int.max / 2, name: "huge") }
        let arena = try Arena(capacity: 4096, gradientCapacity: 1024)
        #expect(throws: SizeOverflow.self) { _ = try arena.allocateGradient(Shape(Int.max / 2, 3), name: "huge") }
        #expect(throws: ArenaError.self) { _ = try arena.allocateBytes(Int.max, name: "huge") }
    }

    @Test func trainerRefusesEpochsBeyondItsBoundAndSchedulesNeverOverflow() throws {
        let data = CheckpointTests.data
        let network = try Network(spec: CheckpointTests.spec, maxBatch: 50, optimizer: MomentumForTests())
        for epochs in [Int.max, Int.max / 2, Trainer.maximumEpochs + 1] {
            #expect(throws: TrainingError.self) {
                _ = try Trainer(network: network, train: data, test: nil, options: .init(epochs: epochs, batchSize: 50))
            }
        }
        let schedule = try #require(LearningRateSchedule(argument: "step:\(Int.max):0.5"))
        #expect(schedule.rate(base: 1, step: Int.max, totalSteps: Int.max, stepsPerEpoch: 1000) == 1)
        #expect(LearningRateSchedule.cosine(floor: 0).rate(base: 1, step: Int.max, totalSteps: Int.max, stepsPerEpoch: Int.max).isFinite)
    }
}

/// The same sizes through the built binary: each is one line on standard
/// error with a sysexits status, before any data is read or thread spawned.
@Suite("External sizes on the command line", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct ExternalSizeCLITests {
    static let nearMax = ["9223372036854775807", "9223372036854775806", "4611686018427387904"]

    static func expectOneLineFailure(_ arguments: [String], says message: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try TestTools.run(TestTools.scratchnet!, arguments)
        #expect(!result.signaled, "crashed: \(arguments): \(result.output)", sourceLocation: sourceLocation)
        #expect((1...125).contains(result.status), "exit \(result.status): \(arguments): \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.split(separator: "\n").count == 1, "not one line: \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.contains(message), "\(arguments): \(result.output)", sourceLocation: sourceLocation)
    }

    @Test func hugeBatchEpochsAndArenaFlagsAreOneLineErrors() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let train = ["train", "--data", dir.root, "--quiet"]
        for value in Self.nearMax {
            try Self.expectOneLineFailure(train + ["--batch-size", value], says: "--batch-size must be at most")
            try Self.expectOneLineFailure(train + ["--epochs", value], says: "--epochs must be at most")
            try Self.expectOneLineFailure(train + ["--arena-bytes", value], says: "--arena-bytes \(value) is more than this machine's memory")
        }
        // In bounds, but more than the training set: refused before the arena is sized.
        try Self.expectOneLineFailure(train + ["--batch-size", "\(1 << 24)"], says: "larger than the training set (60 samples)")
        try Self.expectOneLineFailure(train + ["--model", "mlp", "--hidden", "8,\(Int.max)"], says: "is invalid for '--hidden")
        try Self.expectOneLineFailure(["eval", "--model", dir.path("none"), "--batch-size", Self.nearMax[0], "--data", dir.root],
                                      says: "no such file")
    }

    @Test func hugeSizesInAConfigFileAreOneLineErrorsNamingTheFile() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let config = dir.path("config.json")
        for (key, value) in [("epochs", Self.nearMax[0]), ("batch_size", Self.nearMax[0]), ("epochs", Self.nearMax[2])] {
            try Data("{\"\(key)\": \(value)}".utf8).write(to: URL(fileURLWithPath: config))
            try Self.expectOneLineFailure(["train", "--data", dir.root, "--config", config, "--quiet"],
                                          says: "\(config): \(key) \(value) is not valid (must be at most")
        }
        try Data("{\"model\": \"mlp\", \"hidden\": [8, \(Self.nearMax[0])]}".utf8).write(to: URL(fileURLWithPath: config))
        try Self.expectOneLineFailure(["train", "--data", dir.root, "--config", config, "--quiet"], says: "\(config): hidden")
    }

    @Test func tooManyThreadsAreRefusedBeforeAnyIsSpawned() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let started = Date()
        for command in [["train", "--data", dir.root], ["eval", "--model", dir.path("m"), "--data", dir.root], ["search"]] {
            for value in ["100000", Self.nearMax[0]] {
                try Self.expectOneLineFailure(command + ["--threads", value], says: "--threads must be at most")
            }
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
