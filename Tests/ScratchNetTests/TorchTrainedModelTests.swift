import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Fashion-MNIST's training and test sets, nil when not installed.
private let fashionMNIST: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

/// Models trained in PyTorch on Fashion-MNIST and exported by
/// torch.onnx.export (Tests/Fixtures/train_torch_fashion.py) run in
/// ScratchNet at PyTorch's accuracy, quantize to int8, and fine-tune.
@Suite("PyTorch-trained Fashion-MNIST models imported from ONNX",
       .enabled(if: fashionMNIST != nil,
                "Fashion-MNIST not installed at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"))
struct TorchTrainedModelTests {
    static let directory = TestTools.packageRoot + "/Tests/Fixtures/onnx/torch-trained"
    static let names = ["two-layer", "mlp", "simple-cnn", "bn-cnn"]
    static var data: (train: LabeledImages, test: LabeledImages)? { fashionMNIST }

    /// What PyTorch measured (the fixture's JSON).
    struct Expected: Decodable {
        var testImages: Int
        var correct: Int
        /// PyTorch's predicted class per test image, one digit each.
        var predictions: String
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/\(name).json")))
    }

    /// The predicted class of every test image.
    static func predictions(of network: Network, on test: LabeledImages) -> [Int] {
        var result: [Int] = []
        for start in stride(from: 0, to: test.count, by: network.maxBatch) {
            let count = min(network.maxBatch, test.count - start)
            let logits = network.inferenceLogits(on: test, start: start, count: count)
            for r in 0..<count { result.append(Network.argmax(logits.pointer + r * network.classes, count: network.classes)) }
        }
        return result
    }

    static func predictions(of q: QuantizedNetwork, on test: LabeledImages, classes: Int) -> [Int] {
        var result: [Int] = []
        for start in stride(from: 0, to: test.count, by: q.maxBatch) {
            let count = min(q.maxBatch, test.count - start)
            let logits = test.withSamples(start: start, count: count) { q.forward(bytes: $0, batch: count, scale: LabeledImages.pixelScale) }
            for r in 0..<count { result.append(Network.argmax(logits.pointer + r * classes, count: classes)) }
        }
        return result
    }

    static func correct(_ predictions: [Int], _ test: LabeledImages) -> Int {
        predictions.indices.filter { predictions[$0] == Int(test.labels[$0]) }.count
    }

    /// The Swift API: import, evaluate all 10,000 test images, and match
    /// PyTorch's count of correct predictions within 1 (0.01 points) with
    /// at most one prediction differing from PyTorch's.
    @Test(arguments: names)
    func importedModelMatchesPyTorchAccuracy(name: String) throws {
        let test = Self.data!.test
        let expected = try Self.expected(name)
        #expect(expected.testImages == test.count && expected.predictions.count == test.count)
        let network = try ONNXModel.importNetwork(path: Self.directory + "/\(name).onnx", maxBatch: 1000)
        let predictions = Self.predictions(of: network, on: test)
        let correct = Self.correct(predictions, test)
        let differing = zip(predictions, expected.predictions).filter { String($0) != String($1) }.count
        print("\(name): ScratchNet \(correct), PyTorch \(expected.correct) of \(test.count); \(differing) predictions differ")
        #expect(abs(correct - expected.correct) <= 1, "\(name): ScratchNet \(correct), PyTorch \(expected.correct) of \(test.count)")
        #expect(differing <= 1, "\(name): \(differing) predictions differ from PyTorch's")
    }

    /// The command line: `scratchnet import` then `scratchnet eval` reports
    /// PyTorch's count of correct predictions within 1.
    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing), arguments: names)
    func importAndEvalCommandsMatchPyTorchAccuracy(name: String) throws {
        let dir = TemporaryDirectory()
        let expected = try Self.expected(name)
        let model = dir.path("\(name).safetensors")
        let imported = try TestTools.run(TestTools.scratchnet!, ["import", Self.directory + "/\(name).onnx", "--output", model])
        #expect(imported.status == 0, "\(imported.output)")
        let eval = try TestTools.run(TestTools.scratchnet!, ["eval", "--model", model])
        #expect(eval.status == 0, "\(eval.output)")
        let correct = try #require(Self.correctCount(in: eval.output), "no accuracy line in: \(eval.output)")
        #expect(abs(correct - expected.correct) <= 1, "\(name): scratchnet eval \(correct), PyTorch \(expected.correct)")
    }

    /// `scratchnet quantize` takes the imported BN CNN (folding its
    /// BatchNorm) and `scratchnet eval` runs the int8 file within 0.5 points
    /// of PyTorch's float accuracy.
    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func quantizeCommandFoldsTheImportedBatchNorm() throws {
        let dir = TemporaryDirectory()
        let expected = try Self.expected("bn-cnn")
        let model = dir.path("bn-cnn.safetensors"), int8 = dir.path("bn-cnn.int8.safetensors")
        let imported = try TestTools.run(TestTools.scratchnet!, ["import", Self.directory + "/bn-cnn.onnx", "--output", model])
        #expect(imported.status == 0, "\(imported.output)")
        let quantized = try TestTools.run(TestTools.scratchnet!, ["quantize", "--model", model, "--calibrate", "10", "--output", int8])
        #expect(quantized.status == 0, "\(quantized.output)")
        let eval = try TestTools.run(TestTools.scratchnet!, ["eval", "--model", int8])
        #expect(eval.status == 0 && eval.output.contains("int8"), "\(eval.output)")
        let correct = try #require(Self.correctCount(in: eval.output), "no accuracy line in: \(eval.output)")
        print("bn-cnn: scratchnet eval int8 \(correct), PyTorch float \(expected.correct)")
        #expect(abs(correct - expected.correct) <= 50, "int8 \(correct), PyTorch float \(expected.correct) of \(expected.testImages)")
    }

    /// `N` from eval's "test accuracy …% (N of M samples)".
    static func correctCount(in output: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix("test accuracy") {
            guard let open = line.firstIndex(of: "("), let of = line.range(of: " of ") else { continue }
            return Int(line[line.index(after: open)..<of.lowerBound])
        }
        return nil
    }

    /// int8: each imported model (BatchNorm folded for bn-cnn), calibrated on
    /// 10 training batches of 1000, stays within 0.5 points of its float accuracy.
    @Test(arguments: names)
    func int8ModelStaysWithinHalfAPointOfFloat(name: String) throws {
        let (train, test) = Self.data!
        let network = try ONNXModel.importNetwork(path: Self.directory + "/\(name).onnx", maxBatch: 1000)
        let ranges = ActivationRanges.measure(network, on: train, batches: 10, batchSize: 1000)
        let model = try Quantizer.quantize(network, ranges: ranges, calibration: "test")
        #expect(!model.spec.layers.contains(.batchNorm))
        let q = try QuantizedNetwork(model: model, maxBatch: 1000, threads: 2)
        let float = Self.correct(Self.predictions(of: network, on: test), test)
        let int8 = Self.correct(Self.predictions(of: q, on: test, classes: network.classes), test)
        print("\(name): float \(float), int8 \(int8) of \(test.count)")
        #expect(abs(float - int8) <= 50, "\(name): float \(float), int8 \(int8) of \(test.count)")
    }

    /// Folding the BatchNorm layers of the PyTorch BN CNN into its products
    /// changes its logits on real test images by at most 1e-5 of their range.
    @Test func foldedBatchNormCNNComputesTheSameLogits() throws {
        let test = Self.data!.test
        let network = try ONNXModel.importNetwork(path: Self.directory + "/bn-cnn.onnx", maxBatch: 500)
        let folded = try BatchNormFolding.fold(network)
        #expect(folded.spec.layers.count == network.spec.layers.count - 3)
        let a = network.inferenceLogits(on: test, start: 0, count: 500).toArray()
        let b = folded.inferenceLogits(on: test, start: 0, count: 500).toArray()
        let span = a.map(abs).max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * span, "largest logit difference \(worst) of a largest |logit| \(span)")
    }

    /// Fine-tuning: the imported BN CNN trains on (Adam, 200 steps of 100
    /// images, BatchNorm in training mode) and keeps or improves its test
    /// accuracy; PyTorch's two epochs leave it well short of converged.
    @Test func importedModelFineTunes() throws {
        let (train, test) = Self.data!
        let imported = try ONNXModel.read(path: Self.directory + "/bn-cnn.onnx")
        let network = try imported.makeNetwork(maxBatch: 100, optimizer: Adam(learningRate: 1e-4))
        let before = Trainer.accuracy(of: network, on: test)
        let trainer = try Trainer(network: network, train: train.subset(0..<20_000), test: nil,
                                  options: .init(epochs: 1, batchSize: 100, seed: 1))
        _ = try trainer.run()
        let after = Trainer.accuracy(of: network, on: test)
        print("bn-cnn fine-tune: test accuracy \(before * 100) % -> \(after * 100) %")
        #expect(after >= before - 0.005, "test accuracy \(before) before fine-tuning, \(after) after")
    }
}
