import ScratchNetCore

/// The training loop of the book's chapter-6 scripts: `iterations` steps,
/// each on a batch drawn *with replacement* from the training set
/// (`np.random.choice`), with the loss averaged over windows of
/// `reportEvery` steps (the book prints single-batch losses, which are
/// noisier; the window mean shows the same trend).
///
/// Used by the Fashion-MNIST demos; allocates its index buffer once.
public enum RandomBatchTraining {
    /// - Returns: the mean training loss of each window of `reportEvery`
    ///   steps (a last, shorter window included).
    public static func run(_ network: Network, on data: LabeledImages, iterations: Int, batchSize: Int,
                           reportEvery: Int, seed: UInt64) throws -> [Float] {
        guard iterations >= 1, batchSize >= 1, batchSize <= network.maxBatch, reportEvery >= 1 else {
            throw TrainingError.invalidOption("iterations \(iterations), batch \(batchSize) (network max \(network.maxBatch)) and report interval \(reportEvery) must be positive and fit")
        }
        guard data.count > 0 else { throw DataError.empty(path: data.source) }
        var rng = SeededGenerator(seed: seed ^ 0xBA7C_4E5D_0000_0001)
        let indices = UnsafeMutableBufferPointer<Int32>.allocate(capacity: batchSize)
        defer { indices.deallocate() }
        var windows: [Float] = []
        var sum = 0.0
        var inWindow = 0
        for step in 1...iterations {
            for i in 0..<batchSize { indices[i] = Int32(rng.nextInt(below: data.count)) }
            data.fillBatch(indices: UnsafeBufferPointer(indices), into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
            let loss = network.trainStep(batch: batchSize)
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: 1, step: step, loss: loss) }
            sum += Double(loss)
            inWindow += 1
            if inWindow == reportEvery || step == iterations {
                windows.append(Float(sum / Double(inWindow)))
                sum = 0
                inWindow = 0
            }
        }
        return windows
    }

    /// One curve of a comparison: its label, window losses and the test
    /// accuracy reached.
    public struct Curve: Sendable {
        public var label: String
        public var losses: [Float]
        public var testAccuracy: Float
    }

    /// Lines of "iteration N: label loss, label loss, ..." then accuracies.
    public static func report(_ curves: [Curve], reportEvery: Int, iterations: Int) -> [String] {
        guard let first = curves.first else { return [] }
        var lines: [String] = []
        for w in first.losses.indices {
            let through = min((w + 1) * reportEvery, iterations)
            let cells = curves.map { "\($0.label) \(threeDecimals($0.losses[w]))" }
            lines.append("iterations \(through - reportEvery + 1)-\(through): " + cells.joined(separator: "  "))
        }
        lines.append("test accuracy: " + curves.map { "\($0.label) \(threeDecimals($0.testAccuracy * 100))%" }.joined(separator: "  "))
        return lines
    }
}
