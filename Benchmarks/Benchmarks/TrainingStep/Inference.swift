import Benchmark
import BenchmarkSupport
import ScratchNet

/// Inference (forward only, training off) per preset at batch 1000, the
/// counterpart of torch_train.py's inference figure. Names read
/// `Inference <preset> <backend> t<threads>`.
func registerInferenceBenchmarks() {
    let batch = 1000
    let configuration: Benchmark.Configuration = .scratchNet(custom: [ScratchNetMetric.samplesPerSecond],
                                                             maxDuration: .seconds(1), maxIterations: 200,
                                                             warmupIterations: 3)
    for stepCase in StepCase.all {
        for threads in benchmarkThreadCounts {
            let box = NetworkBox()
            Benchmark("Inference \(stepCase.preset.rawValue) fast t\(threads) batch \(batch)",
                      configuration: configuration,
                      closure: { benchmark in
                          let network = box.network!
                          benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(batch)) {
                              blackHole(network.forward(batch: batch, training: false).pointer[0])
                          }
                      },
                      setup: {
                          let network = try Network(spec: stepCase.spec, maxBatch: batch, backend: .fast, seed: 42, threads: threads)
                          var rng = SeededGenerator(seed: 9)
                          for i in 0..<network.inputBuffer.count { network.inputBuffer.pointer[i] = Float(rng.nextUniform()) }
                          box.network = network
                      },
                      teardown: { box.network = nil })
            // The path `scratchnet eval` takes: the batch as byte images, read
            // by the first Affine's product directly (others convert first).
            let bytes = ByteBatchBox()
            Benchmark("Inference \(stepCase.preset.rawValue) fast t\(threads) batch \(batch) from bytes",
                      configuration: configuration,
                      closure: { benchmark in
                          let network = bytes.network!
                          let pixels = bytes.pixels
                          benchmark.measureRate(ScratchNetMetric.samplesPerSecond, operations: Double(batch)) {
                              pixels.withUnsafeBufferPointer {
                                  blackHole(network.forward(bytes: $0.baseAddress!, batch: batch,
                                                            scale: LabeledImages.pixelScale).pointer[0])
                              }
                          }
                      },
                      setup: {
                          let network = try Network(spec: stepCase.spec, maxBatch: batch, backend: .fast, seed: 42, threads: threads)
                          var rng = SeededGenerator(seed: 9)
                          bytes.pixels = (0..<batch * network.sampleShape.count).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
                          bytes.network = network
                      },
                      teardown: { bytes.network = nil; bytes.pixels = [] })
        }
    }
}

/// Holds a network and a batch of byte images between setup and teardown.
final class ByteBatchBox: @unchecked Sendable {
    var network: Network?
    var pixels: [UInt8] = []
}

/// Holds a network between setup and teardown.
final class NetworkBox: @unchecked Sendable {
    var network: Network?
}
