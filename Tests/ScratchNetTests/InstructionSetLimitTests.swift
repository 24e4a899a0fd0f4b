import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// `SCRATCHNET_ISA` lowers the instruction set the fast kernels pick by
/// themselves, for a whole process: a misspelt value is refused, the
/// training header names the kernels in use, and the AVX2 and AVX-512
/// matrix products (both FMA, same order) train the same weights.
@Suite("SCRATCHNET_ISA", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct InstructionSetLimitTests {
    static func train(limit: String?, in dir: TemporaryDirectory, save: String) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, [
            "train", "--data", dir.root, "--model", "mlp", "--hidden", "40,24", "--optimizer", "adam",
            "--epochs", "2", "--batch-size", "16", "--threads", "2", "--save", dir.path(save),
        ], environment: limit.map { [InstructionSetLimit.variable: $0] } ?? [:])
    }

    @Test func aValueThatNamesNoInstructionSetIsRefused() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let before = TestTools.files(in: dir.root)
        let result = try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.root, "--save", dir.path("m.safetensors")],
                                       environment: [InstructionSetLimit.variable: "avx9"])
        #expect(result.status == 64 && !result.signaled, "\(result.output)")
        #expect(result.output == "Error: SCRATCHNET_ISA=avx9 names no instruction set: use generic, avx2, avx512, or leave it unset\n")
        #expect(TestTools.files(in: dir.root) == before)
    }

    // Only the kernels this CPU runs (GEMMMicroKernelTests names the others).
    @Test(arguments: GEMMMicroKernel.supported)
    func theHeaderNamesWhatTheLimitLeaves(isa: GEMMMicroKernel) throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let result = try Self.train(limit: isa.description, in: dir, save: "m.safetensors")
        #expect(result.status == 0, "\(result.output)")
        let header = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("backend ") })
        #expect(header.hasPrefix("backend fast (\(isa) kernels), 2 thread(s)"), "\(header)")
    }

    @Test(.enabled(if: GEMMMicroKernel.supported.contains(.avx512), "avx512 does not run on this CPU"))
    func avx2AndAVX512TrainTheSameWeights() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let wide = try Self.train(limit: nil, in: dir, save: "avx512.safetensors")
        let narrow = try Self.train(limit: "avx2", in: dir, save: "avx2.safetensors")
        #expect(wide.status == 0 && narrow.status == 0, "\(wide.output)\n\(narrow.output)")
        #expect(wide.output.contains("(avx512 kernels)") && narrow.output.contains("(avx2 kernels)"))
        #expect(try AtomicFile.read(dir.path("avx512.safetensors")) == AtomicFile.read(dir.path("avx2.safetensors")))
    }
}
