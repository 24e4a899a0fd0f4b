/// The network's head: softmax over the logits fused with the cross-entropy
/// loss, averaged over the batch, and its backward (probs − onehot) / batch.
///
/// Fused because the combined gradient is that simple and the loss can be
/// computed stably as logsumexp − logit (no `log(p + 1e-7)`).
public final class SoftmaxWithLoss {
    public let classes: Int
    /// Label smoothing ε in [0, 1): each training target becomes
    /// (1 − ε)·onehot + ε/classes. Why: with hard targets the loss keeps
    /// pushing the right logit away from the others long after the
    /// prediction is right, and the net grows overconfident; a small ε
    /// (0.1 is the usual) stops that and tends to add a few tenths of a
    /// point of test accuracy. 0 (the default) is the plain loss.
    public var labelSmoothing: Float = 0 {
        didSet { precondition(labelSmoothing >= 0 && labelSmoothing < 1, "SoftmaxWithLoss: label smoothing must be in [0, 1), got \(labelSmoothing)") }
    }
    private let kernels: any Kernels
    private var probabilities: Tensor?
    private var logitGradient: Tensor?
    private var lastLabels: UnsafePointer<Int32>?
    private var lastBatch = 0

    public init(classes: Int, kernels: any Kernels) {
        precondition(classes > 0, "SoftmaxWithLoss: classes must be > 0")
        self.classes = classes
        self.kernels = kernels
    }

    public func bind(to arena: Arena, maxBatch: Int) throws {
        probabilities = try arena.allocate(Shape(maxBatch, classes), name: "softmax probabilities")
        logitGradient = try arena.allocate(Shape(maxBatch, classes), name: "softmax logit gradient")
    }

    /// The probabilities of the last forward, (batch, classes).
    public var lastProbabilities: Tensor { probabilities!.leading(lastBatch) }

    /// logits (B, classes), labels (B) in 0..<classes; returns the mean loss.
    public func forward(_ logits: Tensor, labels: UnsafePointer<Int32>) -> Float {
        let batch = logits.shape[0]
        precondition(logits.count == batch * classes, "SoftmaxWithLoss: logits \(logits.shape) vs \(classes) classes")
        lastBatch = batch
        lastLabels = labels
        if labelSmoothing > 0 {
            return kernels.softmaxCrossEntropy(logits: logits.pointer, labels: labels, smoothing: labelSmoothing,
                                               probs: probabilities!.pointer, rows: batch, cols: classes)
        }
        return kernels.softmaxCrossEntropy(logits: logits.pointer, labels: labels,
                                           probs: probabilities!.pointer, rows: batch, cols: classes)
    }

    /// The gradient of the mean loss with respect to the logits.
    public func backward() -> Tensor {
        let dlogits = logitGradient!.leading(lastBatch)
        if labelSmoothing > 0 {
            kernels.softmaxCrossEntropyBackward(probs: probabilities!.pointer, labels: lastLabels!, smoothing: labelSmoothing,
                                                dlogits: dlogits.pointer, rows: lastBatch, cols: classes)
        } else {
            kernels.softmaxCrossEntropyBackward(probs: probabilities!.pointer, labels: lastLabels!,
                                                dlogits: dlogits.pointer, rows: lastBatch, cols: classes)
        }
        return dlogits
    }
}
