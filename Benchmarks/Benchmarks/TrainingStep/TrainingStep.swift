import Benchmark
import BenchmarkSupport
import ScratchNet

/// A whole training step per preset at batch 100: samples per second and
/// heap allocations per step (0 after warm-up is the arena's promise), on
/// the fast backend at 1 and 2 threads (thread scaling) and on the naive
/// backend (the speedup baseline).
///
/// Names read `TrainingStep <preset> <backend> t<threads>`. Malloc (total)
/// is per step: each iteration is exactly one step.
let benchmarks: @Sendable () -> Void = {
    let variants: [(backend: Backend, threads: Int)] =
        benchmarkThreadCounts.map { (Backend.fast, $0) } + [(Backend.naive, 1)]
    for stepCase in StepCase.all {
        for (backend, threads) in variants {
            let isNaive = backend == .naive
            let box = HarnessBox()
            Benchmark("TrainingStep \(stepCase.preset.rawValue) \(backend.rawValue) t\(threads)",
                      configuration: .scratchNet(custom: [ScratchNetMetric.samplesPerSecond],
                                                 maxDuration: isNaive ? .seconds(2) : .seconds(1),
                                                 maxIterations: isNaive ? 8 : 400,
                                                 warmupIterations: isNaive ? 1 : 5),
                      closure: { benchmark in
                          let harness = box.harness!
                          benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(harness.batch)) {
                              blackHole(harness.step())
                          }
                      },
                      setup: {
                          // Warm-up in setup: the first steps may touch
                          // lazily created state; measured steps must not.
                          box.harness = try StepHarness(case: stepCase, backend: backend, threads: threads, warmUpSteps: isNaive ? 1 : 3)
                      },
                      teardown: { box.harness = nil })
        }
    }
    registerInferenceBenchmarks()
}

/// Holds the harness between setup and teardown.
final class HarnessBox: @unchecked Sendable {
    var harness: StepHarness?
}
