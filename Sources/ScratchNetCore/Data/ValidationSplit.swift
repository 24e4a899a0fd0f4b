/// A validation set carved out of the training data, so that choosing
/// hyperparameters never looks at the test set.
///
/// The split is a seeded permutation of the sample indices: the last
/// `fraction` of the permuted order is held out. The same seed gives the
/// same split on every machine (``SeededGenerator`` is portable), and the
/// two parts are disjoint and together hold every sample exactly once.
public struct ValidationSplit: Sendable, Equatable {
    /// Indices (into the original set) of the samples kept for training.
    public let trainIndices: [Int]
    /// Indices of the held-out validation samples.
    public let validationIndices: [Int]

    /// Splits `count` samples, holding out `round(fraction · count)` of them.
    /// - Throws: ``TrainingError/invalidOption(_:)`` when the fraction is not in
    ///   (0, 1) or leaves either part empty.
    public init(count: Int, fraction: Double, seed: UInt64) throws {
        guard fraction > 0, fraction < 1, fraction.isFinite else {
            throw TrainingError.invalidOption("validation fraction must be between 0 and 1 (exclusive), got \(fraction)")
        }
        let held = Int((Double(count) * fraction).rounded())
        guard held >= 1, held < count else {
            throw TrainingError.invalidOption("a validation fraction of \(fraction) of \(count) samples leaves an empty part")
        }
        var order = Array(0..<count)
        // Its own stream, so the split does not move when other seeds do.
        var rng = SeededGenerator(seed: seed ^ 0x5A11_7DA7_A5E7_0001)
        order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
        trainIndices = Array(order[0..<(count - held)])
        validationIndices = Array(order[(count - held)...])
    }

    /// The two parts of `data`, in permuted order.
    public func apply(to data: LabeledImages) -> (train: LabeledImages, validation: LabeledImages) {
        (data.gathering(trainIndices, source: data.source + " (training part)"),
         data.gathering(validationIndices, source: data.source + " (validation part)"))
    }
}

extension LabeledImages {
    /// The samples at `indices`, in that order, as a new set.
    public func gathering(_ indices: [Int], source: String? = nil) -> LabeledImages {
        let n = samplePixels
        if isTabular {
            var newFeatures = [Float](repeating: 0, count: indices.count * n)
            for (row, i) in indices.enumerated() {
                precondition(i >= 0 && i < count, "LabeledImages.gathering: index \(i) of \(count)")
                newFeatures[row * n..<(row + 1) * n] = features[i * n..<(i + 1) * n]
            }
            var gathered = LabeledImages(features: newFeatures, labels: indices.map { labels[$0] }, featureCount: n,
                                         source: source ?? self.source, standardization: standardization)
            gathered.classNames = classNames
            return gathered
        }
        var newPixels = [UInt8](repeating: 0, count: indices.count * n)
        var newLabels = [UInt8](repeating: 0, count: indices.count)
        pixels.withUnsafeBufferPointer { src in
            newPixels.withUnsafeMutableBufferPointer { dst in
                for (row, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "LabeledImages.gathering: index \(i) of \(count)")
                    (dst.baseAddress! + row * n).update(from: src.baseAddress! + i * n, count: n)
                    newLabels[row] = labels[i]
                }
            }
        }
        var gathered = LabeledImages(pixels: newPixels, labels: newLabels, sampleShape: sampleShape,
                                     source: source ?? self.source)
        gathered.classNames = classNames
        return gathered
    }
}
