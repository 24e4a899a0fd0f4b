import Benchmark
import BenchmarkSupport
import ScratchNet

/// The convolutional layers as training runs them: Conv2D and MaxPool
/// forward and backward through the layer API (per-image unfolding, the
/// GEMMs, bias, col2im, pooling masks), fast (C) against naive (Swift loops)
/// at batch 100. The SGEMM suite times the conv products alone; this one
/// times everything around them too.
///
/// Names read `Convolution <case> <forward|backward> <kernels> t<threads>`,
/// kernels `fast` (the per-layer choice: Winograd on the 3×3 layers where it
/// pays), `fast-direct` (the direct product forced, for Winograd's gain side
/// by side) or `naive`;
/// the rates are samples (images) per second and, for convolutions, MFLOPS
/// counted as direct convolution (2·FN·C·FH·FW·OH·OW per image and product),
/// whatever the kernels do to get there. Against an earlier build: on it,
/// `swift package benchmark baseline update earlier --filter "Convolution.*"`;
/// on this one, `swift package benchmark baseline compare earlier --filter "Convolution.*"`.
let benchmarks: @Sendable () -> Void = {
    let variants: [(backend: Backend, threads: Int, direct: Bool)] =
        benchmarkThreadCounts.map { (Backend.fast, $0, false) } + [(Backend.fast, 1, true), (Backend.naive, 1, false)]
    let passes: [(name: String, backward: Bool, run: @Sendable (LayerBench) -> Float)] =
        [("forward", false, { $0.forward() }), ("backward", true, { $0.backward() })]
    for layerCase in ConvolutionCase.all {
        for (backend, threads, direct) in variants {
            if direct, case .maxPool = layerCase.kind { continue }
            let isNaive = backend == .naive
            let box = LayerBox()
            let configuration = Benchmark.Configuration.scratchNet(
                custom: [ScratchNetMetric.samplesPerSecond, ScratchNetMetric.mflops],
                maxDuration: isNaive ? .seconds(2) : .milliseconds(800),
                maxIterations: isNaive ? 8 : 200, warmupIterations: isNaive ? 1 : 3)
            let setup: Benchmark.BenchmarkSetupHook = {
                box.bench = try LayerBench(case: layerCase, backend: backend, threads: threads, direct: direct)
            }
            for pass in passes {
                Benchmark("Convolution \(layerCase.name) \(pass.name) \(backend.rawValue)\(direct ? "-direct" : "") t\(threads)",
                          configuration: configuration,
                          closure: { benchmark in
                              let bench = box.bench!
                              benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(bench.batch)) {
                                  blackHole(pass.run(bench))
                              }
                              let flops = layerCase.flops(backward: pass.backward)
                              if flops > 0 {
                                  benchmark.measureRate(ScratchNetMetric.mflops, operations: flops, per: 1e6) {
                                      blackHole(pass.run(bench))
                                  }
                              }
                          },
                          setup: setup, teardown: { box.bench = nil })
            }
        }
    }
}

/// Holds the layer and its buffers between setup and teardown.
final class LayerBox: @unchecked Sendable {
    var bench: LayerBench?
}
