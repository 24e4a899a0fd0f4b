/// The best epoch so far by one accuracy, and whether training should stop
/// because it has not improved for `patience` epochs (Keras' EarlyStopping
/// with `min_delta` 0: only a strictly higher accuracy counts).
struct EarlyStopping: Equatable {
    /// What is monitored, for messages and the metrics file: "validation" or "test".
    let metric: String
    /// Epochs without improvement that stop the run; nil never stops.
    let patience: Int?
    private(set) var bestEpoch: Int?
    private(set) var bestAccuracy: Double = -.infinity
    private(set) var epochsWithoutImprovement = 0

    init(metric: String, patience: Int?) {
        self.metric = metric
        self.patience = patience
    }

    /// Records `epoch`'s accuracy; true when it is a new best.
    mutating func observe(epoch: Int, accuracy: Double) -> Bool {
        guard accuracy > bestAccuracy else {
            epochsWithoutImprovement += 1
            return false
        }
        bestAccuracy = accuracy
        bestEpoch = epoch
        epochsWithoutImprovement = 0
        return true
    }

    /// True once `patience` epochs in a row have not improved.
    var shouldStop: Bool { patience.map { epochsWithoutImprovement >= $0 } ?? false }
}
