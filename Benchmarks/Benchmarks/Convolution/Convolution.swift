import Benchmark
import BenchmarkSupport
import ScratchNet

/// The convolutional layers as training runs them: Conv2D and MaxPool
/// forward and backward through the layer API (per-image unfolding, the
/// GEMMs, bias, col2im, pooling masks), fast (C) against naive (Swift loops)
/// at batch 100. The SGEMM suite times the conv products alone; this one
/// times everything around them too.
///
/// Names read `Convolution <case> <forward|backward> <kernels> t<threads>`;
/// the rate is samples (images) per second.
let benchmarks: @Sendable () -> Void = {
    let variants: [(backend: Backend, threads: Int)] =
        benchmarkThreadCounts.map { (Backend.fast, $0) } + [(Backend.naive, 1)]
    for layerCase in ConvolutionCase.all {
        for (backend, threads) in variants {
            let isNaive = backend == .naive
            let box = LayerBox()
            let configuration = Benchmark.Configuration.scratchNet(
                custom: [ScratchNetMetric.samplesPerSecond],
                maxDuration: isNaive ? .seconds(2) : .milliseconds(800),
                maxIterations: isNaive ? 8 : 200, warmupIterations: isNaive ? 1 : 3)
            let setup: Benchmark.BenchmarkSetupHook = {
                KernelThreads.set(threads)
                box.bench = try LayerBench(case: layerCase, backend: backend)
            }
            let suffix = "\(layerCase.name) %@ \(backend.rawValue) t\(threads)"
            Benchmark("Convolution " + suffix.replacingOccurrences(of: "%@", with: "forward"),
                      configuration: configuration,
                      closure: { benchmark in
                          let bench = box.bench!
                          benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(bench.batch)) {
                              blackHole(bench.forward())
                          }
                      },
                      setup: setup, teardown: { box.bench = nil })
            Benchmark("Convolution " + suffix.replacingOccurrences(of: "%@", with: "backward"),
                      configuration: configuration,
                      closure: { benchmark in
                          let bench = box.bench!
                          benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(bench.batch)) {
                              blackHole(bench.backward())
                          }
                      },
                      setup: setup, teardown: { box.bench = nil })
        }
    }
}

/// Holds the layer and its buffers between setup and teardown.
final class LayerBox: @unchecked Sendable {
    var bench: LayerBench?
}
