#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cross-entropy of softmax(logits) against class labels, averaged over
/// the batch, computed from the logits through the log-softmax.
///
/// Why from logits: the book computes softmax, then −log(p + 1e-7). For a
/// confidently wrong prediction p underflows to 0 and the loss saturates at
/// −log(1e-7) ≈ 16.1, hiding how wrong it is; the +1e-7 also biases every
/// loss. Here −log softmax(z)ₖ = logsumexp(z) − zₖ with logsumexp taken
/// after subtracting the row maximum: finite and exact for any finite
/// logits (1000 vs −1000 gives a loss of 2000, not 16.1 or infinity).
///
/// Labels come either as class indices (`Int32`, one per row) or as
/// one-hot (or any probability) rows of the logits' shape. The gradient
/// with respect to the logits is (softmax(z) − t) / batch. Networks use the
/// fused ``SoftmaxWithLoss`` head; this is the standalone loss.
public enum CrossEntropy {
    /// log Σ exp(row), stably, in Double.
    static func logSumExp(_ row: UnsafePointer<Float>, count: Int) -> Double {
        var top = -Double.infinity
        for c in 0..<count { top = max(top, Double(row[c])) }
        var sum = 0.0
        for c in 0..<count { sum += exp(Double(row[c]) - top) }
        return top + log(sum)
    }

    /// Batch-mean loss against class indices; logits are (batch, classes).
    public static func loss(logits: Tensor, labels: UnsafeBufferPointer<Int32>) -> Float {
        let (rows, cols) = (logits.shape[0], logits.shape.countPerLeading)
        precondition(labels.count >= rows, "CrossEntropy: \(labels.count) labels for \(rows) rows")
        var total = 0.0
        for r in 0..<rows {
            let row = UnsafePointer(logits.pointer + r * cols)
            let k = Int(labels[r])
            precondition(k >= 0 && k < cols, "CrossEntropy: label \(k) of row \(r) not in 0..<\(cols)")
            total += logSumExp(row, count: cols) - Double(row[k])
        }
        return Float(total / Double(max(rows, 1)))
    }

    /// Batch-mean loss against target distributions (one-hot rows), same shape as logits:
    /// Σₖ tₖ·(logsumexp(z) − zₖ) per row.
    public static func loss(logits: Tensor, targets: Tensor) -> Float {
        let (rows, cols) = (logits.shape[0], logits.shape.countPerLeading)
        precondition(targets.count == logits.count, "CrossEntropy: targets \(targets.shape) vs logits \(logits.shape)")
        var total = 0.0
        for r in 0..<rows {
            let row = UnsafePointer(logits.pointer + r * cols)
            let t = targets.pointer + r * cols
            let lse = logSumExp(row, count: cols)
            for c in 0..<cols where t[c] != 0 { total += Double(t[c]) * (lse - Double(row[c])) }
        }
        return Float(total / Double(max(rows, 1)))
    }

    /// dL/dz = (softmax(z) − onehot(label)) / batch.
    public static func gradient(logits: Tensor, labels: UnsafeBufferPointer<Int32>, into gradient: Tensor) {
        let (rows, cols) = (logits.shape[0], logits.shape.countPerLeading)
        precondition(gradient.count == logits.count && labels.count >= rows, "CrossEntropy: gradient \(gradient.shape) vs logits \(logits.shape)")
        writeSoftmax(logits, into: gradient, scale: 1 / Double(max(rows, 1)))
        for r in 0..<rows { gradient.pointer[r * cols + Int(labels[r])] -= Float(1 / Double(max(rows, 1))) }
    }

    /// dL/dz = (softmax(z) − t) / batch.
    public static func gradient(logits: Tensor, targets: Tensor, into gradient: Tensor) {
        let rows = logits.shape[0]
        precondition(gradient.count == logits.count && targets.count == logits.count, "CrossEntropy: gradient \(gradient.shape) vs logits \(logits.shape)")
        let scale = 1 / Double(max(rows, 1))
        writeSoftmax(logits, into: gradient, scale: scale)
        for i in 0..<logits.count { gradient.pointer[i] -= Float(Double(targets.pointer[i]) * scale) }
    }

    /// out = scale·softmax(logits) row by row.
    private static func writeSoftmax(_ logits: Tensor, into out: Tensor, scale: Double) {
        let (rows, cols) = (logits.shape[0], logits.shape.countPerLeading)
        for r in 0..<rows {
            let row = UnsafePointer(logits.pointer + r * cols)
            let lse = logSumExp(row, count: cols)
            for c in 0..<cols { out.pointer[r * cols + c] = Float(exp(Double(row[c]) - lse) * scale) }
        }
    }
}
