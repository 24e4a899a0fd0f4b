import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Two `scratchnet train` runs never write the same output: the second
/// stops at once (status 73) naming the file and the first run's pid; a
/// lock file left by a killed run blocks nothing.
@Suite("train: output locks", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct OutputLockTests {
    static func arguments(_ dir: TemporaryDirectory, epochs: Int) throws -> [String] {
        try TestTools.writeTinyDataset(in: dir.root, train: 600, test: 20)
        return ["train", "--data", dir.root, "--model", "mlp", "--hidden", "256,256", "--epochs", "\(epochs)",
                "--batch-size", "10", "--threads", "1"]
    }

    @Test(arguments: ["--save", "--checkpoint", "--metrics-json", "--report"])
    func aSecondRunWritingTheSameOutputStopsAtOnce(flag: String) throws {
        let dir = TemporaryDirectory()
        let output = dir.path(flag == "--report" ? "report" : "out")
        let shown = flag == "--report" ? output + "/report.html" : output
        let first = try RunningCommand(try Self.arguments(dir, epochs: 1000) + [flag, output])
        try #require(first.waitFor("epoch 1:"), "\(first.output)")

        let second = try TestTools.run(TestTools.scratchnet!, try Self.arguments(dir, epochs: 1) + [flag, output])
        #expect(second.status == 73, "\(second.output)")
        #expect(second.output == "Error: \(shown) is being written by another scratchnet run (pid \(first.pid))\n", "\(second.output)")
        #expect(first.process.isRunning, "the first run ended before the second was refused")

        first.signal(SIGINT)
        #expect(first.finish().status == 130, "\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: shown + ".lock"), "the lock file outlived its run")
    }

    @Test func aLockFileLeftByAKilledRunBlocksNothing() throws {
        let dir = TemporaryDirectory()
        let model = dir.path("m.safetensors")
        let killed = try RunningCommand(try Self.arguments(dir, epochs: 1000) + ["--save", model])
        try #require(killed.waitFor("epoch 1:"), "\(killed.output)")
        killed.signal(SIGKILL)
        #expect(killed.finish().signaled)
        #expect(FileManager.default.fileExists(atPath: model + ".lock"))

        let next = try TestTools.run(TestTools.scratchnet!, try Self.arguments(dir, epochs: 1) + ["--save", model, "--quiet"])
        #expect(next.status == 0, "\(next.output)")
        #expect(FileManager.default.fileExists(atPath: model))
        #expect(!FileManager.default.fileExists(atPath: model + ".lock"))
    }
}
