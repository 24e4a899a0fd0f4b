import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// `--checkpoint FILE` alone writes FILE (after every epoch), and a run
/// that diverges names only a checkpoint it wrote itself.
@Suite("train: checkpoint flags", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct CheckpointFlagTests {
    static func train(_ dir: TemporaryDirectory, _ extra: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8",
                                                  "--batch-size", "10", "--quiet"] + extra)
    }

    @Test func checkpointWithoutAnIntervalIsWrittenAfterEveryEpoch() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let checkpoint = dir.path("c.safetensors")
        let result = try Self.train(dir, ["--epochs", "3", "--checkpoint", checkpoint])
        #expect(result.status == 0, "\(result.output)")
        let file = try SafeTensors.read(path: checkpoint)
        #expect(file.metadata["checkpoint.epoch"] == "4", "the last checkpoint is not the end of the run: \(file.metadata)")
        #expect(file.metadata["checkpoint.step_in_epoch"] == "0")
    }

    @Test func divergenceDoesNotNameACheckpointAnEarlierRunLeft() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let checkpoint = dir.path("c.safetensors")
        #expect(try Self.train(dir, ["--epochs", "1", "--checkpoint", checkpoint]).status == 0)
        let before = try AtomicFile.read(checkpoint)

        let result = try Self.train(dir, ["--epochs", "2", "--lr", "1e6", "--checkpoint", checkpoint])
        #expect(result.status == 1, "\(result.output)")
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("training diverged") }, "\(result.output)")
        #expect(line.hasSuffix("; no checkpoint was written by this run"), "\(line)")
        #expect(!line.contains(checkpoint), "\(line)")
        #expect(try AtomicFile.read(checkpoint) == before)
    }

    /// At --lr 1e6 the loss passes the divergence limit at step 2; step 1's
    /// checkpoint is this run's own.
    @Test func divergenceNamesTheCheckpointThisRunWrote() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let checkpoint = dir.path("c.safetensors")
        let result = try Self.train(dir, ["--epochs", "2", "--lr", "1e6", "--checkpoint", checkpoint,
                                          "--checkpoint-every", "1", "--checkpoint-unit", "steps"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("at step 2 (epoch 1)"), "\(result.output)")
        #expect(result.output.contains("; last good checkpoint: \(checkpoint) (step 1, epoch 1, left intact)"), "\(result.output)")
        #expect(try SafeTensors.read(path: checkpoint).metadata["checkpoint.global_step"] == "1")
    }
}
