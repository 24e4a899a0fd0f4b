import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Following and stopping a run through the built binary: `--log` lines,
/// `--tensorboard` events read back by TensorBoard's own reader,
/// `--early-stop`, `--save-best`, the best-epoch line, and `summary`.
@Suite("scratchnet monitoring", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CLIMonitoringTests {
    static func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func logAndTensorBoardFollowTheRun() throws {
        let dir = TemporaryDirectory()
        let train = try CLIHabitTests.tinyTraining(in: dir).map { $0 == "1" ? "3" : $0 }  // 3 epochs of 6 steps
        let result = try CLIHabitTests.scratchnet(train + ["--log", dir.path("run.jsonl"), "--log-every", "4",
                                                           "--tensorboard", dir.path("tb"), "--metrics-json", dir.path("m.json")])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("tensorboard: \(dir.path("tb"))/events.out.tfevents."), "\(result.output)")
        #expect(result.output.contains("best: epoch "), "\(result.output)")

        let records = try Self.lines(dir.path("run.jsonl"))
        let kinds = records.map { $0["kind"] as? String ?? "" }
        // 6 steps an epoch: step records at 4, 8, 12 (before epoch 2's record) and 16; one record per epoch; the end.
        #expect(kinds == ["step", "epoch", "step", "step", "epoch", "step", "epoch", "end"], "\(kinds)")
        #expect(records.filter { $0["kind"] as? String == "step" }.map { $0["step"] as? Int } == [4, 8, 12, 16])
        let epochs = records.filter { $0["kind"] as? String == "epoch" }
        #expect(epochs.map { $0["epoch"] as? Int } == [1, 2, 3])
        for record in epochs {
            for key in ["loss", "train_accuracy", "test_accuracy", "learning_rate", "samples_per_second", "wall_time", "time"] {
                #expect(record[key] is Double || record[key] is Int, "\(key) missing in \(record)")
            }
            #expect(record["validation_accuracy"] == nil, "no split, no validation accuracy")
        }
        #expect(records.last?["best_metric"] as? String == "test")

        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("m.json")))) as? [String: Any])
        #expect(metrics["best_epoch"] as? Int == records.last?["best_epoch"] as? Int)
        #expect(metrics["best_metric"] as? String == "test")
        #expect(metrics["stopped_early"] as? Bool == false)

        guard TensorBoardPython.path != nil || TensorBoardPython.required else { return }
        let events = try TensorBoardPython.read(dir.path("tb"))
        #expect(events.file_version == "brain.Event:2")
        #expect(events.scalars["train/loss"]?.map { Int($0[0]) } == [4, 8, 12, 16])
        #expect(events.scalars["epoch/test_accuracy"]?.map { Int($0[0]) } == [6, 12, 18])
        let logged = epochs.compactMap { $0["test_accuracy"] as? Double }
        let read = events.scalars["epoch/test_accuracy"]?.map { Float($0[1]) } ?? []
        #expect(read == logged.map { Float($0) }, "TensorBoard holds the accuracies the log holds")
        #expect(events.scalars["train/learning_rate"]?.allSatisfy { Float($0[1]) == 0.1 } == true)
    }

    /// A step record's loss is the mean over its interval, not the epoch's
    /// running mean: two intervals of 3 in an epoch of 6 steps average to the
    /// epoch's loss, and they differ (the loss falls during the epoch).
    @Test func stepRecordsCarryTheirIntervalsMeanLoss() throws {
        let dir = TemporaryDirectory()
        let train = try CLIHabitTests.tinyTraining(in: dir)  // 1 epoch of 6 steps
        let result = try CLIHabitTests.scratchnet(train + ["--log", dir.path("run.jsonl"), "--log-every", "3"])
        #expect(result.status == 0, "\(result.output)")
        let records = try Self.lines(dir.path("run.jsonl"))
        let steps = records.filter { $0["kind"] as? String == "step" }.compactMap { $0["loss"] as? Double }
        let epoch = try #require(records.first { $0["kind"] as? String == "epoch" }?["loss"] as? Double)
        try #require(steps.count == 2, "\(records)")
        #expect(abs((steps[0] + steps[1]) / 2 - epoch) <= 1e-5 * max(1, epoch), "\(steps) vs epoch \(epoch)")
        #expect(steps[0] != steps[1], "\(steps)")
    }

    /// A learning rate too small to change anything: no epoch beats the
    /// first, so patience 1 stops after epoch 2; the best model is epoch 1's.
    @Test func earlyStopEndsARunThatStopsImprovingAndKeepsTheBestModel() throws {
        let dir = TemporaryDirectory()
        let train = try CLIHabitTests.tinyTraining(in: dir).map { $0 == "1" ? "6" : $0 }
        let result = try CLIHabitTests.scratchnet(train + ["--lr", "1e-12", "--validation-split", "0.2", "--early-stop", "1",
                                                           "--save-best", dir.path("best.safetensors"),
                                                           "--metrics-json", dir.path("m.json")])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("best: epoch 1, validation accuracy"), "\(result.output)")
        #expect(result.output.contains("saved to \(dir.path("best.safetensors")); stopped after epoch 2: no improvement for 1 epoch"), "\(result.output)")
        #expect(!result.output.contains("epoch 3:"), "\(result.output)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("m.json")))) as? [String: Any])
        #expect(metrics["stopped_early"] as? Bool == true)
        #expect(metrics["best_epoch"] as? Int == 1)
        #expect(metrics["best_metric"] as? String == "validation")
        #expect((metrics["history"] as? [Any])?.count == 2)
        let best = try ModelFile.load(path: dir.path("best.safetensors"), maxBatch: 1)
        #expect(best.spec.layers.count == 3)
        #expect(!FileManager.default.fileExists(atPath: dir.path("best.safetensors.lock")))

        let refused = try CLIHabitTests.scratchnet(train + ["--early-stop", "2"])
        CLIOptionTests.expectOneLineFailure(refused, status: 64, says: "--early-stop needs --validation-split")
    }

    @Test func summaryPrintsEachPresetsTable() throws {
        for (preset, total) in [("two-layer", "79,510"), ("simple-cnn", "433,890"), ("deep-cnn", "123,552")] {
            let result = try CLIHabitTests.scratchnet(["summary", "--model", preset, "--batch-size", "32"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("total: \(total) parameters"), "\(result.output)")
            #expect(result.output.contains("for batches of 32"), "\(result.output)")
        }
        let mlp = try CLIHabitTests.scratchnet(["summary", "--model", "mlp", "--hidden", "8,4"])
        #expect(mlp.output.contains("affine(8)") && mlp.output.contains("affine(4)"), "\(mlp.output)")

        let dir = TemporaryDirectory()
        let train = try CLIHabitTests.tinyTraining(in: dir)
        let saved = try CLIHabitTests.scratchnet(train + ["--save", dir.path("m.safetensors")])
        #expect(saved.status == 0, "\(saved.output)")
        let fromFile = try CLIHabitTests.scratchnet(["summary", "--model", dir.path("m.safetensors")])
        #expect(fromFile.status == 0 && fromFile.output.contains("affine(8)"), "\(fromFile.output)")
        CLIOptionTests.expectOneLineFailure(try CLIHabitTests.scratchnet(["summary", "--model", dir.path("nope")]), status: 66,
                                            says: "is neither a preset")
    }
}
