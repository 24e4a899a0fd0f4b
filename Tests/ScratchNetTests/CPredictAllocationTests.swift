import CAllocationCounter
import Testing
import ScratchNet
import ScratchNetC

/// `scratchnet_model_predict` with batch 1, the call an embedding tool
/// makes once per sample, allocates nothing on the heap after warm-up, on
/// every preset and at 1 and 2 threads: latency without malloc in it (what
/// Benchmarks/cbench/latency.c times).
#if DEBUG
private let isDebugBuildOfCPredictTests = true
#else
private let isDebugBuildOfCPredictTests = false
#endif

@Suite("C API predict allocations",
       .enabled(if: sn_allocation_counting_available() != 0, "malloc is wrapped by a sanitizer"),
       .disabled(if: isDebugBuildOfCPredictTests, "unoptimized Swift allocates: the promise is for release builds (swift test -c release)"))
struct CPredictAllocationTests {
    @Test(arguments: ["two-layer", "mlp", "simple-cnn", "deep-cnn"])
    func singleSamplePredictAllocatesNothingAfterWarmUp(_ preset: String) throws {
        var model: OpaquePointer?
        try #require(scratchnetModelCreate(preset, 42, 1, &model) == 0)
        defer { _ = scratchnetModelFree(model) }
        var inputSize: Int64 = 0, classes: Int64 = 0
        try #require(scratchnetModelInfo(model, &inputSize, &classes, nil) == 0)
        let inputs = (0..<Int(inputSize) * 4).map { Float($0 % 255) / 255 }
        var outputs = [Float](repeating: 0, count: Int(classes))
        for threads: Int32 in [1, 2] {
            try #require(scratchnetModelSetThreads(model, threads) == 0)
            var counts: [Int] = []
            counts.reserveCapacity(8)
            inputs.withUnsafeBufferPointer { x in
                outputs.withUnsafeMutableBufferPointer { out in
                    for call in 0..<8 {
                        // Calls 0–3 warm up (thread pool, lazily made state); 4–7 are counted.
                        if call >= 4 { sn_allocation_count_begin() }
                        let status = scratchnetModelPredict(model, x.baseAddress! + (call % 4) * Int(inputSize), 1,
                                                            out.baseAddress!, classes)
                        if call >= 4 { counts.append(sn_allocation_count_end()) }
                        precondition(status == 0, "predict failed")
                    }
                }
            }
            #expect(counts == [0, 0, 0, 0], "\(preset), \(threads) threads: heap allocations per predict \(counts)")
            #expect(abs(outputs.reduce(0, +) - 1) < 1e-4, "probabilities sum to \(outputs.reduce(0, +))")
        }
    }
}
