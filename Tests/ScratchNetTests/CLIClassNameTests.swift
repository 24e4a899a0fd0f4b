import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Results in words, through the built binary: class names stored at
/// `train --save` and printed by `predict` and `eval`, `predict --top K`,
/// `show` images that `predict` takes back, and `search` over optimizers
/// and activations.
@Suite("scratchnet class names, show and predict, search choices", .serialized,
       .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CLIClassNameTests {
    static func scratchnet(_ arguments: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments)
    }

    /// Trains the tiny 3-class set (bright bands, learnable) to a model file
    /// with `extra` flags.
    static func trainTiny(_ dir: TemporaryDirectory, _ extra: [String] = []) throws -> String {
        try TestTools.writeTinyDataset(in: dir.root)
        let model = dir.path("m.safetensors")
        let train = try scratchnet(["train", "--data", dir.root, "--model", "mlp", "--hidden", "16", "--epochs", "5",
                                    "--batch-size", "10", "--lr", "0.3", "--save", model, "--quiet"] + extra)
        #expect(train.status == 0, "\(train.output)")
        return model
    }

    /// `show --index N` writes the sample at the data set's own size, and
    /// `predict` on that PNG prints the label `show` printed.
    @Test func showThenPredictRoundTripsTheLabel() throws {
        let dir = TemporaryDirectory()
        let model = try Self.trainTiny(dir, ["--classes", "top,middle,bottom"])
        var labels: [String] = []
        var pngs: [String] = []
        for i in 0..<8 {
            let png = dir.path("sample-\(i).png")
            let show = try Self.scratchnet(["show", "--data", dir.root, "--set", "test", "--index", "\(i)", "--out", png])
            #expect(show.status == 0, "\(show.output)")
            #expect(show.output.contains("wrote \(png) (6×6)"), "\(show.output)")
            let decoded = try PNGDecoder.decodeGray(try AtomicFile.read(png), path: png)
            #expect(decoded.width == 6 && decoded.height == 6)
            // "labels: 3=1" → "1".
            let label = try #require(show.output.firstMatch(of: /labels: \d+=(\d+)/)).1
            labels.append(String(label))
            pngs.append(png)
        }
        let predict = try Self.scratchnet(["predict", "--model", model] + pngs)
        #expect(predict.status == 0, "\(predict.output)")
        let names = ["top", "middle", "bottom"]
        for (png, label) in zip(pngs, labels) {
            let line = "\(png): class \(label) \(names[Int(label)!]) (p = "
            #expect(predict.output.contains(line), "expected '\(line)' in \(predict.output)")
        }
    }

    @Test func predictTopKListsClassesByProbability() throws {
        let dir = TemporaryDirectory()
        let model = try Self.trainTiny(dir, ["--classes", "top,middle,bottom"])
        let png = dir.path("x.png")
        #expect(try Self.scratchnet(["show", "--data", dir.root, "--index", "0", "--out", png]).status == 0)
        let predict = try Self.scratchnet(["predict", "--model", model, "--top", "3", png])
        #expect(predict.status == 0, "\(predict.output)")
        let ranked = predict.output.matches(of: #/\n  (\d)\. class (\d) (\w+) \(p = ([0-9.]+)\)/#)
        #expect(ranked.count == 3, "\(predict.output)")
        let probabilities = ranked.map { Double($0.4)! }
        #expect(probabilities == probabilities.sorted(by: >))
        #expect(abs(probabilities.reduce(0, +) - 1) < 2e-3, "rounded to 4 decimals: \(probabilities)")
        #expect(Set(ranked.map { String($0.2) }) == ["0", "1", "2"])
        // --classes on predict overrides the file's names.
        let renamed = try Self.scratchnet(["predict", "--model", model, "--classes", "a,b,c", png])
        #expect(renamed.output.contains(": class 0 a") || renamed.output.contains(": class 1 b") || renamed.output.contains(": class 2 c"),
                "\(renamed.output)")
        #expect(try Self.scratchnet(["predict", "--model", model, "--top", "0", png]).status == 64)
    }

    @Test func evalPrintsPerClassAccuracyWithNames() throws {
        let dir = TemporaryDirectory()
        let model = try Self.trainTiny(dir, ["--classes", "top,middle,bottom"])
        let eval = try Self.scratchnet(["eval", "--model", model, "--data", dir.root])
        #expect(eval.status == 0, "\(eval.output)")
        #expect(eval.output.contains("per-class accuracy:"), "\(eval.output)")
        for (c, name) in ["top", "middle", "bottom"].enumerated() {
            #expect(eval.output.contains(try Regex("\\n  \(c) \(name) +[0-9.]+% \\(\\d+ of \\d+\\)")), "\(eval.output)")
        }
    }

    /// Fashion-MNIST-like data (found by its directory's name) gives the
    /// model its ten names without --classes; a model without names
    /// predicts numbers; a names file works as a list does.
    @Test func namesComeFromTheDataSetOrAFile() throws {
        let root = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: root.path("fashion-tiny"), withIntermediateDirectories: true)
        let data = root.path("fashion-tiny")
        try TestTools.writeTinyDataset(in: data, classes: 10)
        let model = root.path("m.safetensors")
        let train = try Self.scratchnet(["train", "--data", data, "--model", "mlp", "--hidden", "8", "--epochs", "1",
                                         "--batch-size", "10", "--save", model, "--quiet"])
        #expect(train.status == 0, "\(train.output)")
        let file = try SafeTensors.read(path: model)
        #expect(try ModelFile.classNames(in: file, classes: 10) == DatasetInfo.fashionMNISTClassNames)
        #expect(file.metadata[ModelFile.classNamesKey]?.contains("T-shirt/top") == true)
        let png = root.path("x.png")
        #expect(try Self.scratchnet(["show", "--data", data, "--index", "0", "--out", png]).status == 0)
        let predict = try Self.scratchnet(["predict", "--model", model, png])
        #expect(DatasetInfo.fashionMNISTClassNames.contains { predict.output.contains(" \($0) (p = ") }, "\(predict.output)")

        // Plain data: no names stored, numbers only.
        let plain = TemporaryDirectory()
        let plainModel = try Self.trainTiny(plain)
        #expect(try ModelFile.classNames(in: SafeTensors.read(path: plainModel), classes: 3) == nil)
        let plainPNG = plain.path("x.png")
        #expect(try Self.scratchnet(["show", "--data", plain.root, "--index", "0", "--out", plainPNG]).status == 0)
        let numbers = try Self.scratchnet(["predict", "--model", plainModel, plainPNG])
        #expect(numbers.output.contains(try Regex(": class \\d \\(p = ")), "\(numbers.output)")

        // A names file, one per line.
        try AtomicFile.write(Array("cat\ndog\n\nbird\n".utf8), to: plain.path("names.txt"))
        let named = try Self.scratchnet(["predict", "--model", plainModel, "--classes", plain.path("names.txt"), plainPNG])
        #expect(["cat", "dog", "bird"].contains { named.output.contains(" \($0) (p = ") }, "\(named.output)")
    }

    @Test func classNamesThatDoNotFitAreRefused() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let base = ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--epochs", "1", "--batch-size", "10",
                    "--save", dir.path("m.safetensors")]
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(base + ["--classes", "a,b"]), status: 64,
                                            says: "--classes names 2 classes, the model has 3")
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(base + ["--classes", "lonely"]), status: 64,
                                            says: "--classes: 'lonely' is neither a file nor a comma-separated list of names")
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(base + ["--classes", "a,,c"]), status: 64,
                                            says: "--classes: name 2 must be 1 to 200 characters")
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.safetensors")))
    }

    /// With Fashion-MNIST installed: `show` writes 28×28 (no padding) and a
    /// 1×28×28 model predicts the very same numbers from the PNG as from the
    /// IDX sample, with Fashion-MNIST's names.
    @Test(.enabled(if: CLITests.fashionMNISTInstalled, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func fashionMNISTShowWritesWhatPredictTakes() throws {
        let dir = TemporaryDirectory()
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [1, 28, 28], classes: 10), maxBatch: 1, seed: 3)
        let model = dir.path("fm.safetensors")
        try ModelFile.save(network, to: model, classNames: DatasetInfo.fashionMNISTClassNames)
        let png = dir.path("x.png")
        let show = try Self.scratchnet(["show", "--data", MNISTFormat.defaultDirectory, "--set", "test", "--index", "0", "--out", png])
        #expect(show.status == 0, "\(show.output)")
        #expect(show.output.contains("labels: 0=9 (Ankle boot)") && show.output.contains("(28×28)"), "\(show.output)")
        let test = try MNISTFormat.loadTestSet(directory: MNISTFormat.defaultDirectory)
        try IDXArray(dims: [1, 28, 28], bytes: Array(test.pixels[0..<784])).write(to: dir.path("x.idx"))
        let predict = try Self.scratchnet(["predict", "--model", model, png, dir.path("x.idx")])
        #expect(predict.status == 0, "\(predict.output)")
        let lines = predict.output.split(separator: "\n").map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(lines.count == 2 && lines[0] == lines[1], "\(predict.output)")
        #expect(DatasetInfo.fashionMNISTClassNames.contains { lines[0].contains(" \($0) (p = ") }, "\(predict.output)")
    }

    /// `search` as the README writes it (`--lr-range -6,-2` with a space)
    /// parses; --optimizers and --activations restrict what trials draw, and
    /// the best trial's choices reach the configuration file.
    @Test func searchDrawsOnlyTheGivenChoicesAndWritesThem() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let out = dir.path("best.json")
        let search = try Self.scratchnet(["search", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--trials", "4",
                                          "--epochs", "1", "--batch-size", "10", "--lr-range", "-3,-1",
                                          "--optimizers", "adam,SGD", "--activations", "tanh", "--out", out])
        #expect(search.status == 0, "\(search.output)")
        let config = try TrainingConfiguration.read(path: out)
        #expect(["adam", "sgd"].contains(config.optimizer ?? ""), "\(config)")
        #expect(config.activation == "tanh")
        #expect((1e-3...1e-1).contains(config.learningRate ?? 0))
        let trialLines = search.output.split(separator: "\n").filter { $0.hasPrefix("trial ") && $0.contains("started") }
        #expect(trialLines.count == 4 && trialLines.allSatisfy { ($0.contains(" adam lr ") || $0.contains(" sgd lr ")) && $0.contains(", tanh,") },
                "\(search.output)")
        // The written configuration trains.
        let train = try Self.scratchnet(["train", "--data", dir.root, "--config", out, "--epochs", "1", "--quiet"])
        #expect(train.status == 0, "\(train.output)")

        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(["search", "--optimizers", "adam,lion"]), status: 64,
                                            says: "'adam,lion' is invalid for '--optimizers")
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(["search", "--model", "simple-cnn", "--activations", "tanh"]), status: 64,
                                            says: "--activations applies to --model two-layer or mlp")
        CLIOptionTests.expectOneLineFailure(try Self.scratchnet(["search", "--activation", "relu", "--activations", "tanh"]), status: 64,
                                            says: "pass one of them")
    }
}
