import ArgumentParser
import Foundation
import Testing
@testable import ScratchNetCLI
import ScratchNet
import ScratchNetTestSupport

/// Early stopping's bookkeeping, the progress bar's text and the checks of
/// `--early-stop`, `--log`, `--save-best` and `--tensorboard` in the run plan.
@Suite("train's monitoring")
struct MonitoringTests {
    @Test func earlyStoppingCountsEpochsWithoutAStrictImprovement() {
        var stopping = EarlyStopping(metric: "validation", patience: 2)
        let improved = [(1, 0.5), (2, 0.6), (3, 0.6), (4, 0.55)].map { stopping.observe(epoch: $0.0, accuracy: $0.1) }
        #expect(improved == [true, true, false, false], "equal is no improvement")
        #expect(stopping.shouldStop)
        #expect(stopping.bestEpoch == 2 && stopping.bestAccuracy == 0.6)
        var patient = EarlyStopping(metric: "validation", patience: 2)
        _ = [(1, 0.5), (2, 0.4), (3, 0.6), (4, 0.5)].map { patient.observe(epoch: $0.0, accuracy: $0.1) }
        #expect(!patient.shouldStop, "an improvement resets the count")
        var never = EarlyStopping(metric: "test", patience: nil)
        for epoch in 1...5 { _ = never.observe(epoch: epoch, accuracy: 0.1) }
        #expect(!never.shouldStop && never.bestEpoch == 1)
    }

    @Test func durationsReadAsClockTimes() {
        #expect(ProgressBar.duration(0) == "0:00")
        #expect(ProgressBar.duration(9.6) == "0:10")
        #expect(ProgressBar.duration(83) == "1:23")
        #expect(ProgressBar.duration(3_725) == "1:02:05")
        #expect(ProgressBar.duration(.nan) == "--:--")
        #expect(ProgressBar.duration(-1) == "--:--")
    }

    @Test func barShowsSamplesPerSecondAndTheTimeLeft() {
        func line(_ epochLeft: Double?, _ runLeft: Double?) -> String {
            ProgressBar.line(epoch: 2, step: 150, of: 600, loss: 0.45, samplesPerSecond: 51_234.7, epochLeft: epochLeft, runLeft: runLeft)
        }
        #expect(line(9, 83).hasPrefix("epoch 2 "))
        #expect(line(9, 83).contains("150/600  loss 0.4500  51234 samples/s  ETA 0:09 (run 1:23)"))
        #expect(!line(9, 9).contains("run"), "the last epoch shows one time")
        #expect(!line(nil, nil).contains("ETA"))
    }

    @Test func earlyStopNeedsAValidationSplit() throws {
        let dir = TemporaryDirectory()
        #expect(throws: ValidationError.self) { try RunPlanTests.plan(["--early-stop", "2"], in: dir) }
        let plan = try RunPlanTests.plan(["--early-stop", "2", "--validation-split", "0.1"], in: dir)
        #expect(plan.monitoring.earlyStop == 2)
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--early-stop", "0"]) }
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--log-every", "0"]) }
    }

    @Test func outputsAreCheckedBeforeTheRun() throws {
        let dir = TemporaryDirectory()
        #expect(throws: CLIFailure.self) { try RunPlanTests.plan(["--log", dir.path("missing/log.jsonl")], in: dir) }
        #expect(throws: CLIFailure.self) { try RunPlanTests.plan(["--save-best", dir.root], in: dir) }
        #expect(FileManager.default.createFile(atPath: dir.path("file"), contents: Data()))
        #expect(throws: CLIFailure.self) { try RunPlanTests.plan(["--tensorboard", dir.path("file")], in: dir) }
        #expect(throws: ValidationError.self) {
            try RunPlanTests.plan(["--log", dir.path("a"), "--save-best", dir.path("a")], in: dir)
        }
        #expect(throws: ValidationError.self) { try RunPlanTests.plan(["--distributed", "--log", dir.path("a")], in: dir) }
        let plan = try RunPlanTests.plan(["--log", dir.path("run.jsonl"), "--tensorboard", dir.path("tb/run1")], in: dir)
        #expect(plan.monitoring.log == dir.path("run.jsonl") && plan.monitoring.logEvery == MonitoringOptions.defaultLogEvery)
    }
}
