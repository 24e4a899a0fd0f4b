import ScratchNetCore

/// The `optimizer-compare` demo (ch. 6, `optimizer_compare_mnist.py`): the
/// same 5-layer network (four hidden layers of 100 ReLUs, He init) trained
/// with each optimizer at its default learning rate, batch 128, on
/// Fashion-MNIST; the book runs 2000 iterations and finds SGD slowest.
public enum OptimizerCompareDemo {
    public static func run(train: LabeledImages, test: LabeledImages,
                           kinds: [OptimizerKind] = OptimizerKind.allCases,
                           iterations: Int = 2000, batchSize: Int = 128, reportEvery: Int = 100,
                           seed: UInt64 = 1) throws -> [RandomBatchTraining.Curve] {
        let spec = Preset.mlp.spec(inputShape: train.sampleShape, classes: 10, hidden: [100, 100, 100, 100])
        return try kinds.map { kind in
            let network = try Network(spec: spec, maxBatch: batchSize, optimizer: kind.make(), seed: seed)
            let losses = try RandomBatchTraining.run(network, on: train, iterations: iterations, batchSize: batchSize,
                                                     reportEvery: reportEvery, seed: seed)
            return .init(label: kind.rawValue, losses: losses, testAccuracy: Trainer.accuracy(of: network, on: test))
        }
    }
}
