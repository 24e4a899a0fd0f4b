import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// What people used to other trainers type, through the built binary:
/// negative numbers as option values, `-` for standard output, `--version`,
/// the default data directory, output formats by extension, misspelled
/// config keys and architecture flags that `--resume` would ignore.
@Suite("scratchnet habits", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CLIHabitTests {
    static func scratchnet(_ arguments: [String], environment: [String: String] = [:]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments, environment: environment)
    }

    static func tinyTraining(in dir: TemporaryDirectory) throws -> [String] {
        try TestTools.writeTinyDataset(in: dir.root)
        return ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--batch-size", "10", "--epochs", "1"]
    }

    @Test func negativeNumbersAreOptionValues() throws {
        // Parsed: the next check to fail is --validation-split's, not a missing value.
        let parsed = try Self.scratchnet(["search", "--lr-range", "-6,-2", "--wd-range", "-8,-4", "--validation-split", "2"])
        CLIOptionTests.expectOneLineFailure(parsed, status: 64, says: "--validation-split must be in (0, 1)")
        let reversed = try Self.scratchnet(["search", "--lr-range", "-2,-6"])
        CLIOptionTests.expectOneLineFailure(reversed, status: 64, says: "'-2,-6' is invalid for '--lr-range")

        let dir = TemporaryDirectory()
        let train = try Self.tinyTraining(in: dir)
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(train + ["--lr", "-1"]), status: 64,
                                            says: "--lr must be a positive number, got -1")
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(train + ["--lr", "-.5"]), status: 64,
                                            says: "--lr must be a positive number, got -0.5")
    }

    /// Standard output holds exactly the JSON; the progress lines go to standard error.
    @Test func metricsJsonDashWritesTheSummaryToStandardOutput() throws {
        let dir = TemporaryDirectory()
        let train = try Self.tinyTraining(in: dir)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestTools.scratchnet!)
        process.arguments = train + ["--metrics-json", "-"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.root)
        let stdout = Pipe()
        FileManager.default.createFile(atPath: dir.path("stderr.txt"), contents: nil)
        let stderr = try #require(FileHandle(forWritingAtPath: dir.path("stderr.txt")))
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try stderr.close()
        let errors = try String(contentsOfFile: dir.path("stderr.txt"), encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(errors)")
        let summary = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        #expect(summary?["epochs"] as? Int == 1, "\(String(decoding: output, as: UTF8.self))")
        #expect(errors.contains("final: test accuracy"), "\(errors)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("-")))
        #expect(!FileManager.default.fileExists(atPath: dir.path("-.lock")))
    }

    @Test func versionPrintsThePackageVersion() throws {
        let result = try Self.scratchnet(["--version"])
        #expect(result.status == 0)
        #expect(result.output == "0.1.0\n", "\(result.output)")
    }

    @Test func dataInfoReadsTheDefaultDataDirectory() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let result = try Self.scratchnet(["data", "info"], environment: ["SCRATCHNET_DATA": dir.root])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("train"), "\(result.output)")
        let missing = try Self.scratchnet(["data", "info"], environment: ["SCRATCHNET_DATA": dir.path("missing")])
        CLIOptionTests.expectOneLineFailure(missing, status: 66, says: "no such file or directory")
    }

    @Test func histogramsChooseTheFormatByExtension() throws {
        let dir = TemporaryDirectory()
        for name in ["h.png", "h.txt", "h"] {
            let result = try Self.scratchnet(["histograms", "--out", dir.path(name)])
            CLIOptionTests.expectOneLineFailure(result, status: 64, says: ".svg")
        }
        #expect(TestTools.files(in: dir.root).isEmpty)
        let svg = try Self.scratchnet(["histograms", "--out", dir.path("h.SVG")])
        #expect(svg.status == 0, "\(svg.output)")
        #expect(try String(contentsOfFile: dir.path("h.SVG"), encoding: .utf8).contains("<svg"))
    }

    @Test func configRefusesAnUnknownKeyAndSuggestsTheClosest() throws {
        let dir = TemporaryDirectory()
        let train = try Self.tinyTraining(in: dir)
        let config = dir.path("config.json")
        try AtomicFile.write(Array(#"{"lerning_rate": 0.1, "epochs": 1}"#.utf8), to: config)
        let result = try Self.scratchnet(train + ["--config", config])
        CLIOptionTests.expectOneLineFailure(result, status: 65, says: "unknown key 'lerning_rate' (did you mean 'learning_rate'?)")
        #expect(result.output.contains(config), "\(result.output)")
    }

    @Test func editDistanceIsLevenshtein() {
        #expect(TrainingConfiguration.editDistance("kitten", "sitting") == 3)
        #expect(TrainingConfiguration.editDistance("", "abc") == 3)
        #expect(TrainingConfiguration.editDistance("abc", "") == 3)
        #expect(TrainingConfiguration.editDistance("seed", "seed") == 0)
    }

    /// A checkpoint of the tiny mlp (hidden 8) after one epoch, and the flags that made it.
    static func tinyCheckpoint(in dir: TemporaryDirectory) throws -> (path: String, flags: [String]) {
        let train = try tinyTraining(in: dir)
        let checkpoint = dir.path("ck.safetensors")
        let first = try scratchnet(train + ["--quiet", "--checkpoint", checkpoint])
        try #require(first.status == 0, "\(first.output)")
        return (checkpoint, train)
    }

    @Test func resumeRefusesArchitectureFlagsThatDisagreeWithTheCheckpoint() throws {
        let dir = TemporaryDirectory()
        let (checkpoint, _) = try Self.tinyCheckpoint(in: dir)
        let base = ["train", "--data", dir.root, "--batch-size", "10", "--epochs", "2", "--quiet", "--resume", checkpoint]
        let cases: [([String], String)] = [
            (["--model", "simple-cnn"], "--model"), (["--model", "mlp", "--hidden", "16"], "--model, --hidden"),
            (["--model", "mlp", "--hidden", "8", "--activation", "tanh"], "--model, --hidden, --activation"),
            (["--model", "mlp", "--hidden", "8", "--batchnorm"], "--model, --hidden, --batchnorm"),
            (["--model", "mlp", "--hidden", "8", "--dropout", "0.2"], "--model, --hidden, --dropout"),
            (["--model", "two-layer"], "--model"),
        ]
        for (flags, named) in cases {
            CLIOptionTests.expectOneLineFailure(try Self.scratchnet(base + flags), status: 64,
                                                says: "\(named) cannot change the architecture of \(checkpoint) with --resume")
        }
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(base + ["--init", "xavier"]), status: 64,
                                            says: "--init cannot be used with --resume")
        // The same command line again with --resume: the flags agree, so it continues.
        let again = try Self.scratchnet(base + ["--model", "mlp", "--hidden", "8", "--no-batchnorm"])
        #expect(again.status == 0, "\(again.output)")
    }
}
