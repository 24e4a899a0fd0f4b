#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Cross-entropy against smoothed labels, as the formula reads:
// target t = (1 − ε)·onehot(label) + ε/C, loss Σ_c t_c·(logsumexp(z) − z_c),
// gradient (softmax(z) − t) / rows.

extension NaiveKernels {
    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        softmax(logits, into: probs, rows: rows, cols: cols)
        var total: Double = 0
        for r in 0..<rows {
            let z = logits + r * cols
            var maxValue = z[0]
            for c in 0..<cols { maxValue = max(maxValue, z[c]) }
            var sum: Float = 0
            for c in 0..<cols { sum += expf(z[c] - maxValue) }
            let lse = maxValue + logf(sum)
            for c in 0..<cols {
                let target = (c == Int(labels[r]) ? 1 - smoothing : 0) + smoothing / Float(cols)
                total += Double(target * (lse - z[c]))
            }
        }
        return Float(total / Double(max(rows, 1)))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, smoothing: Float,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let label = Int(labels[r])
            for c in 0..<cols {
                let target = (c == label ? 1 - smoothing : 0) + smoothing / Float(cols)
                dlogits[r * cols + c] = (probs[r * cols + c] - target) / Float(rows)
            }
        }
    }
}
