import Benchmark
import BenchmarkSupport
import ScratchNet

/// SGEMM: our C kernel against the naive Swift loops and OpenBLAS, on the
/// shapes training actually runs, at 1 and 2 threads.
///
/// Names read `SGEMM <shape> <implementation> t<threads>`; the MFLOPS
/// column is the rate (÷1000 for GFLOPS), wall clock the time per product.
let benchmarks: @Sendable () -> Void = {
    for shape in GEMMShape.all {
        for implementation in GEMMImplementation.allCases {
            if implementation == .naive && !shape.runsNaive { continue }
            for threads in implementation.isThreaded ? benchmarkThreadCounts : [1] {
                let operands = Operands(shape)
                // Naive products take 10–300 ms: a few iterations suffice.
                let isSlow = implementation == .naive
                Benchmark("SGEMM \(shape.name) \(shape.label) \(implementation.rawValue) t\(threads)",
                          configuration: .scratchNet(custom: [ScratchNetMetric.mflops],
                                                     maxDuration: isSlow ? .milliseconds(600) : .milliseconds(400),
                                                     maxIterations: isSlow ? 5 : 300,
                                                     warmupIterations: isSlow ? 1 : 3),
                          closure: { benchmark in
                              benchmark.measureRate(ScratchNetMetric.mflops, operations: shape.flops, per: 1e6) {
                                  implementation.multiply(shape, a: operands.a!.pointer, b: operands.b!.pointer,
                                                          c: operands.c!.pointer)
                              }
                              blackHole(operands.c!.pointer[0])
                          },
                          setup: {
                              operands.allocate()
                              implementation.setThreads(threads)
                          },
                          teardown: { operands.release() })
            }
        }
    }
}

/// A, B and C for one shape, made in setup and freed in teardown so only
/// the running benchmark's matrices are in memory.
final class Operands: @unchecked Sendable {
    let shape: GEMMShape
    var a: FloatBuffer?
    var b: FloatBuffer?
    var c: FloatBuffer?

    init(_ shape: GEMMShape) { self.shape = shape }

    func allocate() {
        a = FloatBuffer(count: shape.aCount, seed: 1)
        b = FloatBuffer(count: shape.bCount, seed: 2)
        c = FloatBuffer(count: shape.cCount, seed: 3)
    }

    func release() { a = nil; b = nil; c = nil }
}
