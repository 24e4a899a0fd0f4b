import Foundation

/// When a run's per-epoch test accuracy first reached each of a few
/// thresholds, in seconds since the train command started (data loading
/// included): time to accuracy, the figure a recipe is judged by.
struct TimeToAccuracy: Encodable {
    /// The thresholds, as fractions.
    static let thresholds: [Double] = [0.92, 0.93, 0.94]

    /// Threshold (as written: "0.92") → seconds, for those reached.
    private(set) var seconds: [String: Double] = [:]

    /// Notes `accuracy` (nil: no test set) measured `elapsed` seconds in.
    mutating func record(accuracy: Float?, at elapsed: Double) {
        guard let accuracy else { return }
        for threshold in Self.thresholds where Double(accuracy) >= threshold {
            let key = String(format: "%.2f", threshold)
            if seconds[key] == nil { seconds[key] = elapsed }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}

/// ``MetricsSummary`` with `seconds_to_test_accuracy`: {"0.92": s, ...}
/// for each threshold the run reached (evaluated once per epoch; a resumed
/// run counts from its own start and only its own epochs).
struct TimedMetricsSummary: Encodable {
    var summary: MetricsSummary
    var secondsToAccuracy: TimeToAccuracy

    enum CodingKeys: String, CodingKey { case secondsToAccuracy = "seconds_to_test_accuracy" }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(secondsToAccuracy, forKey: .secondsToAccuracy)
    }
}
