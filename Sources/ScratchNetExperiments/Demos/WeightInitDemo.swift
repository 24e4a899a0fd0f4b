import ScratchNetCore

/// The `weight-init` demo (ch. 6, `weight_init_compare.py`): the 5-layer
/// ReLU network started from N(0, 0.01²), Xavier (√(1/n)) and He (√(2/n))
/// weights, trained alike with SGD lr 0.01, batch 128. With std 0.01 the
/// activations shrink layer by layer, the gradients vanish and the loss
/// stays near ln 10 ≈ 2.30; He, made for ReLU, learns fastest.
public enum WeightInitDemo {
    public static let initializers: [(String, WeightInitializer)] = [
        ("std=0.01", .gaussian(std: 0.01)), ("xavier", .xavier), ("he", .he),
    ]

    public static func run(train: LabeledImages, test: LabeledImages, iterations: Int = 2000, batchSize: Int = 128,
                           reportEvery: Int = 100, seed: UInt64 = 1) throws -> [RandomBatchTraining.Curve] {
        try initializers.map { label, initializer in
            let spec = Preset.mlp.spec(inputShape: train.sampleShape, classes: 10, hidden: [100, 100, 100, 100],
                                       initializer: initializer)
            let network = try Network(spec: spec, maxBatch: batchSize, optimizer: SGD(learningRate: 0.01), seed: seed)
            let losses = try RandomBatchTraining.run(network, on: train, iterations: iterations, batchSize: batchSize,
                                                     reportEvery: reportEvery, seed: seed)
            return .init(label: label, losses: losses, testAccuracy: Trainer.accuracy(of: network, on: test))
        }
    }
}
