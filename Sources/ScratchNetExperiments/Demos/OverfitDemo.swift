import ScratchNetCore

/// The `overfit` demo (ch. 6, `overfit_weight_decay.py` and
/// `overfit_dropout.py`): a 7-layer network (six hidden layers of 100 ReLUs)
/// trained on only 300 samples memorises them — train accuracy near 100%,
/// test far lower — and a regularizer narrows that gap: weight decay
/// λ = 0.1 (loss + 0.5·λ·ΣW², 201 epochs in the book) or dropout 0.2 after
/// each hidden ReLU (301 epochs in the book). SGD lr 0.01, batch 100.
///
/// Our dropout is inverted (scaled in training, identity at test), the
/// book's is not; the expected activations, and so the picture, are the same.
public enum OverfitDemo {
    /// What is added to the plain network to fight overfitting.
    public enum Regularization: Equatable, Sendable, CustomStringConvertible {
        case none
        /// L2 weight decay with this λ.
        case weightDecay(Float)
        /// Dropout with this ratio after each hidden activation.
        case dropout(Float)

        public var description: String {
            switch self {
            case .none: return "no regularization"
            case .weightDecay(let lambda): return "weight decay λ = \(lambda)"
            case .dropout(let ratio): return "dropout \(ratio)"
            }
        }
    }

    public struct Checkpoint: Sendable {
        public var epoch: Int
        public var trainAccuracy: Float
        public var testAccuracy: Float
    }

    public struct Run: Sendable {
        public var regularization: Regularization
        public var checkpoints: [Checkpoint]
        /// Train accuracy minus test accuracy, averaged over the last
        /// `gapEpochs` epochs: with 3 steps an epoch at lr 0.01 a single
        /// epoch's accuracy jumps by several points, so one reading is noisy.
        public var gap: Float
    }

    /// Trains one network per entry of `regularizations`, from the same seed
    /// on the same `samples` training images; accuracies are measured in
    /// inference mode (no dropout).
    public static func run(train: LabeledImages, test: LabeledImages, samples: Int = 300, epochs: Int = 201,
                           regularizations: [Regularization] = [.none, .weightDecay(0.1)],
                           evaluateEvery: Int = 20, gapEpochs: Int = 10, seed: UInt64 = 1) throws -> [Run] {
        let small = train.subset(0..<min(samples, train.count))
        return try regularizations.map { regularization in
            var weightDecay: Float = 0
            var dropout: Float?
            switch regularization {
            case .none: break
            case .weightDecay(let lambda): weightDecay = lambda
            case .dropout(let ratio): dropout = ratio
            }
            let spec = Preset.mlp.spec(inputShape: train.sampleShape, classes: 10, hidden: Array(repeating: 100, count: 6),
                                       weightDecay: weightDecay, dropout: dropout)
            let network = try Network(spec: spec, maxBatch: 100, optimizer: SGD(learningRate: 0.01), seed: seed)
            let trainer = try Trainer(network: network, train: small, test: test,
                                      options: .init(epochs: epochs, batchSize: 100, seed: seed))
            var checkpoints: [Checkpoint] = []
            var gapSum: Float = 0
            let gapStart = max(1, epochs - gapEpochs + 1)
            for epoch in 1...epochs {
                _ = try trainer.trainEpoch(epoch: epoch)
                let shown = epoch % evaluateEvery == 0 || epoch == epochs || epoch == 1
                guard shown || epoch >= gapStart else { continue }
                let c = Checkpoint(epoch: epoch, trainAccuracy: trainer.accuracy(on: small), testAccuracy: trainer.accuracy(on: test))
                if shown { checkpoints.append(c) }
                if epoch >= gapStart { gapSum += c.trainAccuracy - c.testAccuracy }
            }
            return Run(regularization: regularization, checkpoints: checkpoints, gap: gapSum / Float(epochs - gapStart + 1))
        }
    }

    public static func report(_ runs: [Run]) -> [String] {
        runs.flatMap { run -> [String] in
            ["\(run.regularization):"]
                + run.checkpoints.map {
                    "  epoch \($0.epoch): train acc \(threeDecimals($0.trainAccuracy * 100))%  test acc \(threeDecimals($0.testAccuracy * 100))%"
                }
                + ["  train − test gap (mean of the last epochs): \(threeDecimals(run.gap * 100)) points"]
        }
    }
}
