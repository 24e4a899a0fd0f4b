import Benchmark
import ScratchNet

/// The custom metrics our suites report next to package-benchmark's own.
///
/// package-benchmark's metrics are integers. GFLOPS would lose its
/// fraction (the naive kernels run at 1–3 GFLOPS), so the rate is recorded
/// in MFLOPS: 98 765 MFLOPS reads as 98.8 GFLOPS. Both are measured by the
/// benchmark itself around the measured work (see ``timed(_:_:)``).
public enum ScratchNetMetric {
    /// Millions of floating-point operations per second (2·m·n·k per GEMM).
    public static let mflops = BenchmarkMetric.custom("MFLOPS", polarity: .prefersLarger, useScalingFactor: false)
    /// Training samples per second (batch size / step time).
    public static let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)
}

extension Benchmark.Configuration {
    /// Wall time, throughput and heap activity, plus the given custom metrics.
    /// Every suite uses a short budget so the whole run takes a few minutes.
    /// With `scalingFactor` above `.one`, an iteration runs the work that many
    /// times (`benchmark.scaledIterations`) and metrics are reported per run.
    public static func scratchNet(custom: [BenchmarkMetric], maxDuration: Duration = .milliseconds(800),
                                  maxIterations: Int = 200, warmupIterations: Int = 2,
                                  scalingFactor: BenchmarkScalingFactor = .one) -> Benchmark.Configuration {
        var units: [BenchmarkMetric: BenchmarkUnits] = [:]
        for metric in custom { units[metric] = .count }
        return .init(metrics: [.wallClock, .throughput, .mallocCountTotal] + custom,
                     units: units, warmupIterations: warmupIterations, scalingFactor: scalingFactor,
                     maxDuration: maxDuration, maxIterations: maxIterations)
    }
}

/// Seconds taken by `work`, on the monotonic clock (no allocation).
@inline(__always)
public func timed(_ work: () -> Void) -> Double {
    let start = Stopwatch.now()
    work()
    return Stopwatch.now() - start
}

extension Benchmark {
    /// Runs `work` once, timed, and records its rate of `operations` per
    /// second scaled by `per` (1e6 for MFLOPS) under `metric`.
    @inline(__always)
    public func measureRate(_ metric: BenchmarkMetric, operations: Double, per unit: Double = 1,
                            _ work: () -> Void) {
        let seconds = timed(work)
        measurement(metric, Int((operations / max(seconds, 1e-12) / unit).rounded()))
    }
}
