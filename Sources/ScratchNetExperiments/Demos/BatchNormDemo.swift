#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// The `batchnorm` demo (ch. 6, `batch_norm_test.py`): a 5×100 ReLU network
/// with and without BatchNorm (before each hidden activation), both started
/// from N(0, std²) weights for each std of `logspace(0, −4, 16)`, trained
/// alike on 1000 samples with SGD lr 0.01, batch 100, for 20 epochs. Without
/// BatchNorm the network learns only near a good std (too large explodes,
/// too small vanishes); with it, it learns across the range and faster.
///
/// The book draws batches with replacement; here each epoch is a shuffled
/// pass (10 steps), as in the rest of the library.
public enum BatchNormDemo {
    /// The book's 16 weight scales: 10^0 down to 10^−4, evenly in the exponent.
    public static let bookScales: [Float] = (0..<16).map { Float(pow(10, -4 * Double($0) / 15)) }

    public struct Curve: Sendable {
        /// Train accuracy (inference mode) after each epoch; an epoch whose
        /// loss diverged and all after it read as nil.
        public var trainAccuracies: [Float?]
        public var finalAccuracy: Float? { trainAccuracies.last ?? nil }
    }

    public struct Comparison: Sendable {
        public var scale: Float
        public var plain: Curve
        public var batchNorm: Curve
    }

    public static func run(train: LabeledImages, samples: Int = 1000, scales: [Float] = bookScales, epochs: Int = 20,
                           seed: UInt64 = 1) throws -> [Comparison] {
        let small = train.subset(0..<min(samples, train.count))
        func curve(scale: Float, batchNorm: Bool) throws -> Curve {
            let spec = Preset.mlp.spec(inputShape: train.sampleShape, classes: 10, hidden: Array(repeating: 100, count: 5),
                                       initializer: .gaussian(std: scale), batchNorm: batchNorm)
            let network = try Network(spec: spec, maxBatch: 100, optimizer: SGD(learningRate: 0.01), seed: seed)
            let trainer = try Trainer(network: network, train: small, test: nil,
                                      options: .init(epochs: epochs, batchSize: 100, seed: seed))
            var accuracies: [Float?] = []
            for epoch in 1...epochs {
                do {
                    _ = try trainer.trainEpoch(epoch: epoch)
                } catch TrainingError.nonFiniteLoss {
                    // The book's plain network at std 1 blows up too; say so
                    // rather than report the accuracy of garbage weights.
                    accuracies += Array(repeating: nil, count: epochs - epoch + 1)
                    break
                }
                accuracies.append(trainer.accuracy(on: small))
            }
            return Curve(trainAccuracies: accuracies)
        }
        return try scales.map { scale in
            Comparison(scale: scale, plain: try curve(scale: scale, batchNorm: false),
                       batchNorm: try curve(scale: scale, batchNorm: true))
        }
    }

    public static func report(_ comparisons: [Comparison]) -> [String] {
        func percent(_ a: Float?) -> String { a.map { "\(threeDecimals($0 * 100))%" } ?? "diverged" }
        func halfway(_ c: Curve) -> Float? { c.trainAccuracies.isEmpty ? nil : c.trainAccuracies[(c.trainAccuracies.count - 1) / 2] }
        let epochs = comparisons.first?.plain.trainAccuracies.count ?? 0
        return ["final train accuracy after \(epochs) epochs (and at epoch \((epochs + 1) / 2)) per weight std:"]
            + comparisons.map {
                "  std \(threeSignificant($0.scale)): plain \(percent($0.plain.finalAccuracy)) (\(percent(halfway($0.plain))))"
                    + "  batchnorm \(percent($0.batchNorm.finalAccuracy)) (\(percent(halfway($0.batchNorm))))"
            }
    }

    /// `v` > 0 to three significant digits ("0.0215"), without Foundation.
    static func threeSignificant(_ v: Float) -> String {
        let exponent = Int(log10(Double(v)).rounded(.down)) - 2
        let digits = (Double(v) / pow(10, Double(exponent))).rounded()
        return exponent >= 0 ? "\(digits * pow(10, Double(exponent)))" : "\(digits / pow(10, Double(-exponent)))"
    }
}
