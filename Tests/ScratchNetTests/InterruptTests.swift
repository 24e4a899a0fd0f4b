import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// SIGINT and SIGTERM stop `scratchnet train` after the step in progress,
/// with the checkpoint written, one line saying how to resume, and status
/// 130; a second signal ends the process at once.
@Suite("train: interrupts", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct InterruptTests {
    /// `epochs` epochs of 60 steps: 30 take a second or more, long enough
    /// to signal after the first epoch line, and their whole output stays
    /// under one 4 KiB stdio buffer, which a fully buffered stdout would hold
    /// back until exit.
    static func arguments(_ dir: TemporaryDirectory, epochs: Int = 30) throws -> [String] {
        try TestTools.writeTinyDataset(in: dir.root, train: 600, test: 20)
        return ["train", "--data", dir.root, "--model", "mlp", "--hidden", "256,256", "--epochs", "\(epochs)",
                "--batch-size", "10", "--lr", "0.05", "--threads", "1"]
    }

    /// The one "interrupted after ..." line of `output`.
    static func interruptLine(_ output: String) throws -> String {
        try #require(output.split(separator: "\n").map(String.init).first { $0.hasPrefix("interrupted after epoch ") }, "\(output)")
    }

    /// Interrupts a run with `signal` once its first epoch line is out, and
    /// checks the stop, the checkpoint and that resuming it gives the
    /// uninterrupted run's model byte for byte.
    func interruptAndResume(with signal: Int32) throws {
        let dir = TemporaryDirectory()
        let arguments = try Self.arguments(dir)
        let checkpoint = dir.path("c.safetensors")
        let run = try RunningCommand(arguments + ["--checkpoint", checkpoint, "--save", dir.path("m.safetensors")])
        try #require(run.waitFor("epoch 1:"), "\(run.output)")
        run.signal(signal)
        let (status, signaled) = run.finish()
        #expect(status == 130 && !signaled, "status \(status): \(run.output)")
        let line = try Self.interruptLine(run.output)
        #expect(line.contains("; resume with: scratchnet train --resume \(checkpoint) --data "), "\(line)")
        #expect(!run.output.contains("final:"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.safetensors")), "an unfinished model was saved")

        // The checkpoint is where the line says the run stopped.
        let file = try SafeTensors.read(path: checkpoint)
        let words = line.split(separator: " ")
        #expect(file.metadata["checkpoint.epoch"] == String(words[3]), "\(line) vs \(file.metadata)")
        #expect(file.metadata["checkpoint.step_in_epoch"].map { $0 + ";" } == String(words[5]), "\(line) vs \(file.metadata)")

        let command = String(line[line.range(of: "resume with: scratchnet ")!.upperBound...])
        let resumed = try TestTools.run("/bin/sh", ["-c", "exec \(TestTools.scratchnet!) \(command)"])
        #expect(resumed.status == 0, "\(resumed.output)")
        let reference = try TestTools.run(TestTools.scratchnet!, arguments + ["--save", dir.path("reference.safetensors")])
        #expect(reference.status == 0, "\(reference.output)")
        #expect(try AtomicFile.read(dir.path("m.safetensors")) == AtomicFile.read(dir.path("reference.safetensors")),
                "the interrupted-and-resumed model differs from the uninterrupted run's")
    }

    @Test func sigintFinishesTheStepWritesTheCheckpointAndResumesBitIdentically() throws {
        try interruptAndResume(with: SIGINT)
    }

    @Test func sigtermStopsTheRunLikeSigint() throws {
        try interruptAndResume(with: SIGTERM)
    }

    /// The two signals arrive together (the run is stopped while they are
    /// sent): the first only asks for a stop, the second ends the process
    /// before the step can finish, so no "interrupted" line is printed.
    @Test func aSecondSignalEndsTheRunAtOnce() throws {
        let dir = TemporaryDirectory()
        let run = try RunningCommand(try Self.arguments(dir, epochs: 1000) + ["--checkpoint", dir.path("c.safetensors")])
        try #require(run.waitFor("epoch 1:"), "\(run.output)")
        run.signal(SIGSTOP)
        run.signal(SIGINT)
        run.signal(SIGTERM)
        run.signal(SIGCONT)
        let (status, signaled) = run.finish()
        #expect(status == 130 && !signaled, "status \(status): \(run.output)")
        #expect(!run.output.contains("interrupted after"), "\(run.output)")
    }

    /// With stdout a pipe, each epoch line arrives while the run goes on,
    /// and a run without --checkpoint says that nothing was saved.
    @Test func epochLinesReachAPipeAsTheyArePrintedAndAnUncheckpointedRunSaysNothingWasSaved() throws {
        let dir = TemporaryDirectory()
        let run = try RunningCommand(try Self.arguments(dir) + ["--save", dir.path("m.safetensors")])
        try #require(run.waitFor("epoch 1:"), "\(run.output)")
        #expect(run.process.isRunning, "the first epoch line came only at exit: \(run.output)")
        run.signal(SIGINT)
        let (status, _) = run.finish()
        #expect(status == 130, "\(run.output)")
        let line = try Self.interruptLine(run.output)
        #expect(line.hasSuffix("; nothing was saved (pass --checkpoint FILE to make a run resumable)"), "\(line)")
        #expect(TestTools.files(in: dir.root).allSatisfy { !$0.hasPrefix("m.safetensors") }, "\(TestTools.files(in: dir.root))")
    }
}
