import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// `scratchnet train --init-from FILE`: a PyTorch-trained ONNX model
/// fine-tunes through the binary without losing accuracy, its saved result
/// starts a run again, and contradicting options are refused in one line
/// with exit status 64.
@Suite("train --init-from", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct InitFromTests {
    static let fixtures = TestTools.packageRoot + "/Tests/Fixtures/onnx/torch-trained"
    static let fashion = "/usr/share/datasets/fashion-mnist"

    static func scratchnet(_ arguments: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments)
    }

    /// The first `trainCount` Fashion-MNIST training images and all 10,000
    /// test images, as an MNIST-format directory.
    static func writeFashionSubset(in dir: String, trainCount: Int) throws {
        for (stem, count) in [("train", trainCount), ("t10k", 10_000)] {
            let images = try IDXArray.read(path: "\(fashion)/\(stem)-images-idx3-ubyte.gz")
            let labels = try IDXArray.read(path: "\(fashion)/\(stem)-labels-idx1-ubyte.gz")
            try IDXArray(dims: [count, 28, 28], bytes: Array(images.bytes.prefix(count * 784))).write(to: "\(dir)/\(stem)-images-idx3-ubyte")
            try IDXArray(dims: [count], bytes: Array(labels.bytes.prefix(count))).write(to: "\(dir)/\(stem)-labels-idx1-ubyte")
        }
    }

    /// X from the line "final: test accuracy X%, …".
    static func finalAccuracy(_ output: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("final: test accuracy ") }) else { return nil }
        return Double(line.dropFirst("final: test accuracy ".count).prefix { $0 != "%" })
    }

    /// One epoch of Adam at lr 1e-4 on 6,000 training images keeps the
    /// PyTorch-trained MLP's test accuracy (84.12%, two epochs of PyTorch's
    /// Adam) within 0.3 points or raises it: the run starts from the file's
    /// weights, not from a fresh initialization (the same architecture from
    /// He initialization reaches 55% in that epoch). The saved model then starts a
    /// second run as a .safetensors file.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: fashion + "/train-images-idx3-ubyte.gz"),
                   "Fashion-MNIST not installed at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"))
    func pyTorchTrainedONNXModelFineTunesWithoutLosingAccuracy() throws {
        let dir = TemporaryDirectory()
        try Self.writeFashionSubset(in: dir.root, trainCount: 6000)
        let tuned = dir.path("tuned.safetensors")
        let run = try Self.scratchnet(["train", "--init-from", Self.fixtures + "/mlp.onnx", "--data", dir.root,
                                       "--epochs", "1", "--optimizer", "adam", "--lr", "1e-4", "--save", tuned])
        #expect(run.status == 0, "\(run.output)")
        let after = try #require(Self.finalAccuracy(run.output), "no final line in: \(run.output)")
        print("mlp.onnx fine-tuned one epoch on 6,000 images: test accuracy 84.12% -> \(after)%")
        #expect(after >= 84.12 - 0.3, "test accuracy \(after)% after fine-tuning, 84.12% before")

        let again = try Self.scratchnet(["train", "--init-from", tuned, "--data", dir.root, "--epochs", "1",
                                         "--optimizer", "adam", "--lr", "1e-4", "--quiet"])
        #expect(again.status == 0, "\(again.output)")
        let second = try #require(Self.finalAccuracy(again.output), "no final line in: \(again.output)")
        #expect(second >= 84.12 - 0.3, "test accuracy \(second)% after a second run from \(tuned)")
    }

    /// Architecture flags that agree with the file are accepted.
    @Test func agreeingArchitectureFlagsAreAccepted() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let model = dir.path("m.safetensors")
        let first = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1",
                                         "--batch-size", "10", "--quiet", "--save", model])
        #expect(first.status == 0, "\(first.output)")
        let second = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1",
                                          "--batch-size", "10", "--quiet", "--init-from", model])
        #expect(second.status == 0, "\(second.output)")
    }

    /// Each contradiction is one `Error:` line and exit status 64 (a missing
    /// file: 66), and nothing is written.
    @Test func contradictingOptionsAreRefusedInOneLine() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let model = dir.path("m.safetensors")
        let trained = try Self.scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1",
                                           "--batch-size", "10", "--quiet", "--save", model, "--checkpoint", dir.path("c.safetensors")])
        #expect(trained.status == 0, "\(trained.output)")
        let config = dir.path("config.json")
        try Data("{\"init_from\": \"\(model)\"}\n".utf8).write(to: URL(fileURLWithPath: config))
        let before = TestTools.files(in: dir.root)
        let base = ["train", "--data", dir.root, "--batch-size", "10", "--epochs", "1"]
        let cases: [([String], String, Int32)] = [
            (["--init-from", model, "--resume", dir.path("c.safetensors")], "--init-from and --resume cannot be used together", 64),
            (["--config", config, "--resume", dir.path("c.safetensors")], "--init-from and --resume cannot be used together", 64),
            (["--init-from", model, "--init", "xavier"], "--init cannot be used with --init-from", 64),
            (["--init-from", model, "--model", "mlp", "--hidden", "16"], "--model, --hidden cannot change the architecture of \(model)", 64),
            (["--config", config, "--model", "two-layer"], "--model cannot change the architecture of \(model)", 64),
            (["--init-from", dir.path("missing.onnx")], "\(dir.path("missing.onnx")): no such file", 66),
        ]
        for (extra, message, status) in cases {
            let result = try Self.scratchnet(base + extra)
            let lines = result.output.split(separator: "\n")
            #expect(result.status == status, "\(extra): status \(result.status): \(result.output)")
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(message), "\(extra) said: \(result.output)")
        }
        #expect(TestTools.files(in: dir.root) == before)
    }
}
