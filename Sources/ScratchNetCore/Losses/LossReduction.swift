/// How a loss turns per-element errors into one number.
public enum LossReduction: String, Sendable, Codable, CaseIterable {
    /// Summed over the whole batch: the book's `sum_squared_error`
    /// (0.5·Σ(y − t)², not divided by the batch size).
    case sum
    /// Summed per sample, then averaged over the batch (the leading axis):
    /// the loss does not grow with the batch size, so a learning rate
    /// carries over from one batch size to another.
    case batchMean
}
