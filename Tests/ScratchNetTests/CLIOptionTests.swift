import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// The typed command line, through the built binary: bad values and bad
/// output paths are refused in one line with a sysexits status before any
/// training; flags beat the config file; defaults are the documented ones.
@Suite("scratchnet options", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CLIOptionTests {
    static func scratchnet(_ arguments: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments)
    }

    /// Checks a refusal: `status`, one line mentioning `message`, no Foundation dump.
    static func expectOneLineFailure(_ result: TestTools.Result, status: Int32, says message: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = result.output.split(separator: "\n")
        #expect(result.status == status, "exit \(result.status): \(result.output)", sourceLocation: sourceLocation)
        #expect(lines.count == 1, "not one line: \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.contains(message), "\(result.output)", sourceLocation: sourceLocation)
        #expect(!result.output.contains("NSCocoaErrorDomain") && !result.output.contains("Usage:"), "\(result.output)",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("--model", "resnet"), ("--optimizer", "lion"), ("--activation", "gelu"), ("--init", "0"),
        ("--initializer", "lecun"), ("--backend", "gpu"), ("--lr-schedule", "linear"), ("--augment", "rotate"),
        ("--checkpoint-unit", "hours"), ("--hidden", "8,x"),
    ])
    func everyTypedFlagRefusesABadValueInOneLineWithStatus64(flag: String, value: String) throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let result = try Self.scratchnet(["train", "--data", dir.root, flag, value])
        Self.expectOneLineFailure(result, status: 64, says: "'\(value)' is invalid for '\(flag)")
    }

    @Test func searchAndHistogramsRefuseBadEnumValuesToo() throws {
        Self.expectOneLineFailure(try Self.scratchnet(["search", "--parallel", "gpus"]), status: 64, says: "'gpus' is invalid for '--parallel")
        Self.expectOneLineFailure(try Self.scratchnet(["search", "--activation", "gelu"]), status: 64, says: "'gelu' is invalid")
        Self.expectOneLineFailure(try Self.scratchnet(["histograms", "--model", "elu"]), status: 64, says: "'elu' is invalid")
    }

    /// Many epochs: a check made after training would take long and print epochs.
    @Test func badOutputPathsFailBeforeTrainingWithStatus73() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        try AtomicFile.write([1], to: dir.path("a-file"))
        let train = ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--batch-size", "10", "--epochs", "100000"]
        let cases: [([String], String)] = [
            (["--report", dir.path("a-file/reports")], "--report: \(dir.path("a-file")) is not a directory"),
            (["--metrics-json", dir.path("missing/m.json")], "--metrics-json: directory \(dir.path("missing")) does not exist"),
            (["--metrics-json", dir.root], "--metrics-json: cannot write \(dir.root): it is a directory"),
            (["--save", dir.path("missing/m.safetensors")], "--save: directory \(dir.path("missing")) does not exist"),
            (["--checkpoint", dir.root], "--checkpoint: cannot write \(dir.root): it is a directory"),
        ]
        for (flags, message) in cases {
            let before = TestTools.files(in: dir.root)
            let clock = Date()
            let result = try Self.scratchnet(train + flags)
            Self.expectOneLineFailure(result, status: 73, says: message)
            #expect(Date().timeIntervalSince(clock) < 30, "\(flags) ran before failing")
            #expect(TestTools.files(in: dir.root) == before)
        }
    }

    @Test func missingDataIsStatus66() throws {
        let dir = TemporaryDirectory()
        Self.expectOneLineFailure(try Self.scratchnet(["train", "--data", dir.path("nothing")]), status: 66,
                                  says: "data: \(dir.path("nothing")): no such file or directory")
        Self.expectOneLineFailure(try Self.scratchnet(["eval", "--model", dir.path("m.safetensors"), "--data", dir.root]), status: 66,
                                  says: "\(dir.path("m.safetensors")): no such file")
    }

    /// The same weights with `--init` on the command line as without the
    /// config file: the flag beats the file's `initializer`.
    @Test func initFlagBeatsTheConfigFile() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        try TrainingConfiguration(initializer: "xavier").write(to: dir.path("config.json"))
        let common = ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1", "--batch-size", "10", "--quiet"]
        let flagOnly = try Self.scratchnet(common + ["--init", "0.3", "--save", dir.path("flag.safetensors")])
        let both = try Self.scratchnet(common + ["--config", dir.path("config.json"), "--init", "0.3", "--save", dir.path("both.safetensors")])
        let fileOnly = try Self.scratchnet(common + ["--config", dir.path("config.json"), "--save", dir.path("file.safetensors")])
        #expect(flagOnly.status == 0 && both.status == 0 && fileOnly.status == 0, "\(flagOnly.output)\n\(both.output)\n\(fileOnly.output)")
        #expect(try AtomicFile.read(dir.path("both.safetensors")) == AtomicFile.read(dir.path("flag.safetensors")))
        #expect(try AtomicFile.read(dir.path("file.safetensors")) != AtomicFile.read(dir.path("flag.safetensors")))
    }

    /// Spelling out the documented defaults trains the very model no flags train.
    @Test func theDefaultJobIsTheDocumentedDefaults() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let common = ["train", "--data", dir.root, "--epochs", "2", "--batch-size", "10"]
        let implicit = try Self.scratchnet(common + ["--save", dir.path("implicit.safetensors")])
        let explicit = try Self.scratchnet(common + [
            "--model", "two-layer", "--activation", "relu", "--init", "he", "--optimizer", "sgd", "--lr", "0.1",
            "--lr-schedule", "constant", "--augment", "none", "--weight-decay", "0", "--seed", "42", "--backend", "fast",
            "--save", dir.path("explicit.safetensors")])
        #expect(implicit.status == 0 && explicit.status == 0, "\(implicit.output)\n\(explicit.output)")
        #expect(try AtomicFile.read(dir.path("implicit.safetensors")) == AtomicFile.read(dir.path("explicit.safetensors")))
        let header = try #require(implicit.output.split(separator: "\n").first { $0.hasPrefix("backend ") })
        #expect(header.contains("optimizer sgd lr 0.1 (constant), augment none, batch 10, seed 42"), "\(header)")
        let epochs = implicit.output.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochs.count == 2 && epochs.allSatisfy { $0.contains(": loss ") && $0.contains("  train acc ") && $0.contains("%  test acc ") })
    }

    @Test func shellCompletionOffersTheChoicesAndFiles() throws {
        let script = try Self.scratchnet(["--generate-completion-script", "zsh"])
        #expect(script.status == 0)
        for choices in ["'two-layer' 'mlp' 'simple-cnn' 'deep-cnn'", "'relu' 'sigmoid' 'tanh'", "'he' 'xavier'",
                        "'sgd' 'momentum' 'nesterov' 'adagrad' 'rmsprop' 'adam'", "'fast' 'naive'", "'epochs' 'steps'"] {
            #expect(script.output.contains(choices), "\(choices)")
        }
        #expect(script.output.contains("--save[") && script.output.contains("_files"))
    }

    @Test func helpListsTheExitStatuses() throws {
        let help = try Self.scratchnet(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("64 usage error") && help.output.contains("73 an output cannot be written"), "\(help.output)")
    }
}
