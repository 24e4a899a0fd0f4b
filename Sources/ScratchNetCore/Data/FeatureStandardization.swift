/// Per-column standardization of tabular features: `(x − mean) / std`.
///
/// Why per column and from the training set: one range for a whole table
/// lets a column in [0, 10000] drown one in [0, 1] that may carry the whole
/// signal; statistics from the test set would leak it into training. The
/// statistics travel in the model file (``ModelFile/standardizationKey``) so
/// that new data is scaled exactly as the training data was.
public struct FeatureStandardization: Codable, Sendable, Equatable {
    public var mean: [Float]
    /// Population standard deviation per column; a constant column has 1
    /// (it becomes 0 everywhere instead of a division by zero).
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "FeatureStandardization: \(mean.count) means, \(std.count) deviations")
        self.mean = mean
        self.std = std
    }

    public var featureCount: Int { mean.count }

    /// Statistics of `count` rows of `width` floats (row-major), summed in
    /// Double so that a long column does not lose its small digits.
    public static func fit(_ values: UnsafeBufferPointer<Float>, count: Int, width: Int) -> FeatureStandardization {
        precondition(values.count >= count * width, "FeatureStandardization: \(values.count) values for \(count)×\(width)")
        var sum = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
        for r in 0..<count {
            for c in 0..<width { sum[c] += Double(values[r * width + c]) }
        }
        let n = Double(max(count, 1))
        let mean = sum.map { $0 / n }
        for r in 0..<count {
            for c in 0..<width {
                let d = Double(values[r * width + c]) - mean[c]
                squares[c] += d * d
            }
        }
        let std = squares.map { s -> Float in
            let v = Float((s / n).squareRoot())
            return v > 0 && v.isFinite ? v : 1
        }
        return FeatureStandardization(mean: mean.map { Float($0) }, std: std)
    }

    /// Standardizes rows of ``featureCount`` floats in place.
    public func apply(to values: UnsafeMutableBufferPointer<Float>) {
        let width = featureCount
        guard width > 0 else { return }
        precondition(values.count % width == 0, "FeatureStandardization: \(values.count) values are not rows of \(width)")
        let inverse = std.map { 1 / $0 }
        for r in 0..<values.count / width {
            for c in 0..<width { values[r * width + c] = (values[r * width + c] - mean[c]) * inverse[c] }
        }
    }
}

extension LabeledImages {
    /// The same tabular samples standardized by `statistics` (fitted
    /// elsewhere: on the training part, or read from a model file).
    /// - Throws: ``DataError/unreadable(path:reason:)`` when the column
    ///   counts differ or the set is not tabular.
    public func standardized(by statistics: FeatureStandardization) throws -> LabeledImages {
        guard isTabular else {
            throw DataError.unreadable(path: source, reason: "feature standardization applies to tabular (CSV) data, not images")
        }
        guard statistics.featureCount == samplePixels else {
            throw DataError.unreadable(path: source, reason: "\(samplePixels) features per sample, the standardization has \(statistics.featureCount)")
        }
        var values = features
        values.withUnsafeMutableBufferPointer { statistics.apply(to: $0) }
        var scaled = LabeledImages(features: values, labels: labels, featureCount: samplePixels, source: source, standardization: statistics)
        scaled.classNames = classNames
        return scaled
    }

    /// Per-column statistics of these tabular samples (for the training part).
    public func featureStatistics() -> FeatureStandardization {
        features.withUnsafeBufferPointer { FeatureStandardization.fit($0, count: count, width: samplePixels) }
    }
}
