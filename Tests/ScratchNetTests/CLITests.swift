import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Finding and running the tools the tests drive: the built `scratchnet`
/// binary and a Python with `safetensors` and numpy.
enum TestTools {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `scratchnet` next to the test bundle (SwiftPM builds it with the
    /// tests), else in .build/release or .build/debug.
    static let scratchnet: String? = {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("scratchnet").path)
        }
        candidates += [packageRoot + "/.build/release/scratchnet", packageRoot + "/.build/debug/scratchnet"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let scratchnetMissing: Comment = "the scratchnet binary was not found next to the tests or in .build/{release,debug}; run `swift build -c release` first"

    /// .build-venv/bin/python3 (made by scripts/setup.sh), else python3 on
    /// PATH, if it can import safetensors and numpy.
    static let python: String? = {
        for candidate in [packageRoot + "/.build-venv/bin/python3", "/usr/bin/env"] {
            let args = candidate == "/usr/bin/env" ? ["python3", "-c", "import safetensors, numpy"] : ["-c", "import safetensors, numpy"]
            if let result = try? run(candidate, args), result.status == 0 {
                return candidate == "/usr/bin/env" ? "/usr/bin/python3-on-path" : candidate
            }
        }
        return nil
    }()
    static let pythonMissing: Comment = "python3 with safetensors and numpy not found (scripts/setup.sh installs them into .build-venv)"

    struct Result {
        var status: Int32
        var output: String
        var signaled: Bool
    }

    /// Runs `executable` with `arguments`, stdout and stderr merged.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = try start(executable, arguments, environment: environment)
        let data = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }

    static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        if executable == "/usr/bin/python3-on-path" {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return process
    }

    /// A tiny MNIST-format data set (random pixels, labels 0..<classes) in `dir`.
    static func writeTinyDataset(in dir: String, train: Int = 60, test: Int = 20, classes: Int = 3, seed: UInt64 = 5) throws {
        var rng = SeededGenerator(seed: seed)
        for (stem, count) in [("train", train), ("t10k", test)] {
            let labels = (0..<count).map { _ in UInt8(rng.nextInt(below: classes)) }
            // Each class gets a bright band in its own rows, plus noise: learnable.
            var pixels: [UInt8] = []
            for label in labels {
                for row in 0..<6 {
                    for _ in 0..<6 {
                        let base = row / 2 == Int(label) ? 200 : 20
                        pixels.append(UInt8(base + rng.nextInt(below: 50)))
                    }
                }
            }
            try IDXArray(dims: [count, 6, 6], bytes: pixels).write(to: "\(dir)/\(stem)-images-idx3-ubyte")
            try IDXArray(dims: [count], bytes: labels).write(to: "\(dir)/\(stem)-labels-idx1-ubyte")
        }
    }

    static func files(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

/// The command line: bad flags are refused with a message, a non-zero exit
/// and no file written; the save → eval → predict → export path works.
@Suite("scratchnet command line", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CLITests {
    static func scratchnet(_ arguments: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments)
    }

    /// Runs a command that must fail, and checks the message and that `dir`
    /// gained no files.
    static func expectRefusal(_ arguments: [String], in dir: TemporaryDirectory, says message: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = TestTools.files(in: dir.root)
        let result = try scratchnet(arguments)
        #expect(result.status != 0, "exit status 0 for \(arguments)", sourceLocation: sourceLocation)
        #expect(!result.signaled, "crashed: \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.contains(message), "\(arguments) said: \(result.output)", sourceLocation: sourceLocation)
        #expect(TestTools.files(in: dir.root) == before, "\(arguments) wrote files", sourceLocation: sourceLocation)
    }

    @Test func invalidFlagsAndCombinationsAreRefusedAndWriteNothing() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let data = ["--data", dir.root]
        let save = ["--save", dir.path("m.safetensors")]
        try Self.expectRefusal(["train", "--epochs", "0"] + data + save, in: dir, says: "--epochs must be >= 1, got 0")
        try Self.expectRefusal(["train", "--checkpoint-every", "2"] + data, in: dir, says: "--checkpoint-every needs --checkpoint FILE")
        try Self.expectRefusal(["train", "--checkpoint-every", "0", "--checkpoint", dir.path("c")] + data, in: dir,
                               says: "--checkpoint-every must be >= 1, got 0")
        try Self.expectRefusal(["train", "--checkpoint-every", "1", "--checkpoint-unit", "hours", "--checkpoint", dir.path("c")] + data,
                               in: dir, says: "The value 'hours' is invalid for '--checkpoint-unit <checkpoint-unit>'")
        try Self.expectRefusal(["train", "--save", dir.path("no/such/dir/m.safetensors")] + data, in: dir,
                               says: "--save: directory \(dir.path("no/such/dir")) does not exist")
        try Self.expectRefusal(["train", "--resume", dir.path("missing.safetensors")] + data, in: dir,
                               says: "\(dir.path("missing.safetensors")): no such file")
        try Self.expectRefusal(["train", "--batch-size", "1000"] + data + save, in: dir,
                               says: "batch size 1000 is larger than the training set (60 samples)")
        try Self.expectRefusal(["train", "--arena-bytes", "1000"] + data + save, in: dir,
                               says: "arena: too small: this network and batch size need ")
        try Self.expectRefusal(["train", "--shards", "2"] + data + save, in: dir, says: "Unknown option '--shards'")
        try Self.expectRefusal(["eval"], in: dir, says: "Missing expected argument '--model <model>'")
        try Self.expectRefusal(["eval", "--model", dir.path("nothing")], in: dir, says: "\(dir.path("nothing")): no such file")
        try Self.expectRefusal(["predict", "--model", dir.path("nothing")], in: dir, says: "predict needs at least one image file")
        try Self.expectRefusal(["export", "--model", dir.path("nothing"), "--output", dir.path("w.npz")], in: dir,
                               says: "\(dir.path("nothing")): no such file")
    }

    @Test func divergingTrainingStopsWithTheStepAndKeepsTheLastCheckpoint() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let checkpoint = dir.path("c.safetensors")
        // A sane first run leaves a good checkpoint...
        let good = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1",
                                        "--batch-size", "10", "--checkpoint", checkpoint, "--checkpoint-every", "1", "--quiet"])
        #expect(good.status == 0, "\(good.output)")
        let before = try AtomicFile.read(checkpoint)
        // ...which a diverging run must not overwrite.
        let result = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "3",
                                          "--batch-size", "10", "--lr", "1e9", "--checkpoint", checkpoint,
                                          "--checkpoint-every", "100", "--checkpoint-unit", "steps",
                                          "--save", dir.path("m.safetensors"), "--quiet"])
        #expect(result.status != 0)
        #expect(!result.signaled)
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("diverged") }, "\(result.output)")
        #expect(line.contains("training diverged: loss is") && line.contains("at step "), "\(line)")
        #expect(line.hasSuffix("no checkpoint was written by this run"), "\(line)")
        #expect(try AtomicFile.read(checkpoint) == before)
        #expect(!TestTools.files(in: dir.root).contains("m.safetensors"), "a diverged model was saved")
    }

    static let fashionMNISTInstalled = FileManager.default.fileExists(atPath: MNISTFormat.defaultDirectory + "/train-images-idx3-ubyte.gz")

    @Test(.enabled(if: fashionMNISTInstalled, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func lrOf1e9OnFashionMNISTStopsWithAMessage() throws {
        let result = try Self.scratchnet(["train", "--lr", "1e9", "--epochs", "1", "--quiet"])
        #expect(result.status != 0)
        #expect(result.output.contains("training diverged: loss is"), "\(result.output)")
        #expect(result.output.contains("no checkpoint was written"), "\(result.output)")
    }

    @Test func saveEvalPredictAndExportWorkEndToEnd() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let model = dir.path("m.safetensors")
        let train = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "16", "--epochs", "5",
                                         "--batch-size", "10", "--lr", "0.3", "--save", model, "--quiet"])
        #expect(train.status == 0, "\(train.output)")
        let final = try #require(train.output.split(separator: "\n").first { $0.hasPrefix("final: test accuracy ") })

        let eval = try Self.scratchnet(["eval", "--model", model, "--data", dir.root])
        #expect(eval.status == 0, "\(eval.output)")
        // The same weights give the same test accuracy as training reported.
        let trainedAccuracy = final.split(separator: " ")[3].dropLast(2)
        #expect(eval.output.contains("test accuracy \(trainedAccuracy)%"), "train said \(final); eval said \(eval.output)")
        #expect(eval.output.contains("confusion matrix"), "\(eval.output)")

        // Predict on the first test image, as IDX, PGM (P5 and P2) and PNG.
        let images = try IDXArray.read(path: dir.path("t10k-images-idx3-ubyte"))
        let pixels = Array(images.bytes[0..<36])
        try IDXArray(dims: [1, 6, 6], bytes: pixels).write(to: dir.path("one.idx"))
        try AtomicFile.write(Array("P5\n# a comment\n6 6\n255\n".utf8) + pixels, to: dir.path("one.pgm"))
        try AtomicFile.write(Array(("P2\n6 6 255\n" + pixels.map(String.init).joined(separator: " ") + "\n").utf8), to: dir.path("one-ascii.pgm"))
        try AtomicFile.write(PNGEncoder.encode(width: 6, height: 6, color: .gray, pixels: pixels), to: dir.path("one.png"))
        let predict = try Self.scratchnet(["predict", "--model", model, dir.path("one.idx"), dir.path("one.pgm"),
                                           dir.path("one-ascii.pgm"), dir.path("one.png")])
        #expect(predict.status == 0, "\(predict.output)")
        let lines = predict.output.split(separator: "\n")
        #expect(lines.count == 4, "\(predict.output)")
        let classes = Set(lines.map { $0.split(separator: " ").dropFirst().prefix(2).joined(separator: " ") })
        #expect(classes.count == 1, "the four encodings of one image disagree: \(predict.output)")

        let badPGM = dir.path("bad.pgm")
        try AtomicFile.write(Array("P5\n7 6\n255\n".utf8) + [UInt8](repeating: 0, count: 42), to: badPGM)
        let refused = try Self.scratchnet(["predict", "--model", model, badPGM])
        #expect(refused.status != 0)
        #expect(refused.output.contains("\(badPGM): image is 1×6×7, the model takes 1×6×6"), "\(refused.output)")

        let export = try Self.scratchnet(["export", "--model", model, "--output", dir.path("w.npz")])
        #expect(export.status == 0, "\(export.output)")
        let npz = try AtomicFile.read(dir.path("w.npz"))
        #expect(Array(npz[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        if let python = TestTools.python {
            let script = "import numpy as np, sys; a = np.load(sys.argv[1]); print(sorted(a.files)); assert a['layers.0.weight'].shape == (36, 16)"
            let check = try TestTools.run(python, ["-c", script, dir.path("w.npz")])
            #expect(check.status == 0, "\(check.output)")
        }
    }
}
