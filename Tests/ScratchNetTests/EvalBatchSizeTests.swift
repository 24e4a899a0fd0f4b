import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// `eval --batch-size 1` (one sample per forward pass, as a latency-bound
/// caller runs a model) scores exactly what batch 1000 scores.
@Suite("eval: batch size 1", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct EvalBatchSizeTests {
    @Test(arguments: ["two-layer", "simple-cnn"])
    func batchOneGivesTheSameAccuracyAndConfusionAsBatch1000(_ preset: String) throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root, train: 200, test: 37)
        let model = dir.path("m.safetensors")
        let trained = try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.root, "--model", preset, "--epochs", "1",
                                                                "--batch-size", "20", "--quiet", "--save", model])
        try #require(trained.status == 0, "\(trained.output)")
        func eval(_ batch: Int) throws -> String {
            let result = try TestTools.run(TestTools.scratchnet!, ["eval", "--model", model, "--data", dir.root,
                                                                   "--batch-size", "\(batch)", "--repeat", "2"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("batch \(min(batch, 37)),"), "\(result.output)")
            // Everything but the timing line.
            return result.output.split(separator: "\n").filter { !$0.hasPrefix("inference ") }.joined(separator: "\n")
        }
        #expect(try eval(1) == eval(1000))
    }
}
