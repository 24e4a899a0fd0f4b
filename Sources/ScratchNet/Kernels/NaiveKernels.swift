#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain-loop versions of every kernel, written to be checked by hand.
///
/// This is the correctness oracle for ``FastKernels`` and the baseline the
/// benchmarks report speedups against: deliberately no blocking, no SIMD, no
/// threads. Sums are accumulated in `Float`, in the obvious order, so the
/// tolerance between the two backends comes from summation order only.
public struct NaiveKernels: Kernels {
    public init() {}
    public var name: String { "naive" }

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let aip = transA ? a[p * lda + i] : a[i * lda + p]
                    let bpj = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += aip * bpj
                }
                let old = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * sum + old
            }
        }
    }

    public func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            var maxValue = logits[r * cols]
            for c in 0..<cols { maxValue = max(maxValue, logits[r * cols + c]) }
            var sum: Float = 0
            for c in 0..<cols {
                let e = expf(logits[r * cols + c] - maxValue)
                probs[r * cols + c] = e
                sum += e
            }
            for c in 0..<cols { probs[r * cols + c] /= sum }
        }
    }

    /// −log softmax(z)[t] = logsumexp(z) − z[t]; logsumexp = max + log Σ e^(z−max).
    private func logSumExp(_ z: UnsafePointer<Float>, cols: Int) -> Float {
        var maxValue = z[0]
        for c in 0..<cols { maxValue = max(maxValue, z[c]) }
        var sum: Float = 0
        for c in 0..<cols { sum += expf(z[c] - maxValue) }
        return maxValue + logf(sum)
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        softmax(logits, into: probs, rows: rows, cols: cols)
        var total: Double = 0
        for r in 0..<rows {
            let row = logits + r * cols
            total += Double(logSumExp(row, cols: cols) - row[Int(labels[r])])
        }
        return Float(total / Double(rows))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            for c in 0..<cols {
                let target: Float = c == Int(labels[r]) ? 1 : 0
                dlogits[r * cols + c] = (probs[r * cols + c] - target) / Float(rows)
            }
        }
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        softmax(logits, into: probs, rows: rows, cols: cols)
        var total: Double = 0
        for r in 0..<rows {
            let row = logits + r * cols
            let lse = logSumExp(row, cols: cols)
            for c in 0..<cols {
                total += Double(targets[r * cols + c] * (lse - row[c]))
            }
        }
        return Float(total / Double(rows))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<(rows * cols) {
            dlogits[i] = (probs[i] - targets[i]) / Float(rows)
        }
    }

    public func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            for c in 0..<cols { x[r * cols + c] += bias[c] }
        }
    }

    public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        for c in 0..<cols {
            var s: Float = 0
            for r in 0..<rows { s += x[r * cols + c] }
            sums[c] = s
        }
    }

    public func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    public func reluBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }

    public func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
    }

    public func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i]) * y[i] }
    }

    public func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }
}
