import Benchmark
import BenchmarkSupport
import ScratchNet

/// The loss head: fused softmax + cross-entropy forward and its backward,
/// fast (C) against naive (Swift loops), on the training batch (100×10) and
/// a large one (4000×1000, where threads and vector exp matter).
///
/// Names read `SoftmaxCrossEntropy <forward|backward> <rows>x<cols> <kernels> t<threads>`.
let benchmarks: @Sendable () -> Void = {
    let cases: [(rows: Int, cols: Int)] = [(100, 10), (4000, 1000)]
    let variants: [(backend: Backend, threads: Int)] =
        benchmarkThreadCounts.map { (Backend.fast, $0) } + [(Backend.naive, 1)]
    for (rows, cols) in cases {
        // The small case takes well under a microsecond: time a thousand
        // calls per iteration so the clock's resolution does not dominate.
        let isSmall = rows * cols < 100_000
        for (backend, threads) in variants {
            let buffers = HeadBuffers(rows: rows, cols: cols)
            let kernels: any Kernels = backend == .fast ? FastKernels(threads: threads) : NaiveKernels()
            let configuration = Benchmark.Configuration.scratchNet(
                custom: [], maxDuration: .milliseconds(400),
                maxIterations: isSmall ? 100 : 200,
                scalingFactor: isSmall ? .kilo : .one)
            let suffix = "\(rows)x\(cols) \(backend.rawValue) t\(threads)"
            let setup: Benchmark.BenchmarkSetupHook = {
                buffers.allocate()
                // The backward reads the probabilities the forward wrote.
                _ = kernels.softmaxCrossEntropy(logits: buffers.logits!.pointer, labels: buffers.labels!.pointer,
                                                probs: buffers.probs!.pointer, rows: rows, cols: cols)
            }
            Benchmark("SoftmaxCrossEntropy forward \(suffix)", configuration: configuration,
                      closure: { benchmark in
                          var loss: Float = 0
                          for _ in benchmark.scaledIterations {
                              loss += kernels.softmaxCrossEntropy(logits: buffers.logits!.pointer,
                                                                  labels: buffers.labels!.pointer,
                                                                  probs: buffers.probs!.pointer, rows: rows, cols: cols)
                          }
                          blackHole(loss)
                      },
                      setup: setup, teardown: { buffers.release() })
            Benchmark("SoftmaxCrossEntropy backward \(suffix)", configuration: configuration,
                      closure: { benchmark in
                          for _ in benchmark.scaledIterations {
                              kernels.softmaxCrossEntropyBackward(probs: buffers.probs!.pointer,
                                                                  labels: buffers.labels!.pointer,
                                                                  dlogits: buffers.dlogits!.pointer, rows: rows, cols: cols)
                          }
                          blackHole(buffers.dlogits!.pointer[0])
                      },
                      setup: setup, teardown: { buffers.release() })
        }
    }
}

/// Logits, labels, probabilities and logit gradients for one batch size,
/// made in setup and freed in teardown.
final class HeadBuffers: @unchecked Sendable {
    let rows: Int
    let cols: Int
    var logits: FloatBuffer?
    var labels: LabelBuffer?
    var probs: FloatBuffer?
    var dlogits: FloatBuffer?

    init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }

    func allocate() {
        // Logits of a few units either way, like a trained network's.
        logits = FloatBuffer(count: rows * cols, seed: 11)
        for i in 0..<rows * cols { logits!.pointer[i] *= 4 }
        labels = LabelBuffer(count: rows, classes: cols, seed: 12)
        probs = FloatBuffer(count: rows * cols, seed: 13)
        dlogits = FloatBuffer(count: rows * cols, seed: 14)
    }

    func release() { logits = nil; labels = nil; probs = nil; dlogits = nil }
}
