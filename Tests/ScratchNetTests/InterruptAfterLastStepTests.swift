import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// A signal that arrives after the last step (while the final results are
/// evaluated and written) still ends `train` with status 130, and the model
/// file is whole: the run's work was complete, so it is written, and the
/// line says where.
@Suite("train: a signal after the last step", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct InterruptAfterLastStepTests {
    @Test func aSignalAfterTheLastStepEndsWith130AndTheModelWhole() throws {
        let dir = TemporaryDirectory()
        // Two short epochs, then a report (plots and pictures) that takes a
        // while to write: the signal lands during that tail.
        let arguments = try InterruptTests.arguments(dir, epochs: 2)
        let model = dir.path("m.safetensors")
        let run = try RunningCommand(arguments + ["--save", model, "--report", dir.path("report")])
        try #require(run.waitFor("epoch 2:"), "\(run.output)")
        run.signal(SIGINT)
        let (status, signaled) = run.finish()
        #expect(status == 130 && !signaled, "status \(status): \(run.output)")
        #expect(run.output.contains("interrupted after the last step; the model was saved to \(model)"), "\(run.output)")
        let network = try ModelFile.load(path: model, maxBatch: 1)
        #expect(network.classes >= 2)
    }
}
