import Testing
import ScratchNet
import ScratchNetTestSupport

/// Per-epoch scoring: the seeded train-accuracy sample and the numbers it gives.
@Suite("Per-epoch evaluation")
struct EvaluationTests {
    /// 600 images of seeded noise whose label is a function of the pixels,
    /// so that a little training gives accuracies between 0 and 1.
    static func data(count: Int = 600, seed: UInt64 = 5) -> LabeledImages {
        var rng = SeededGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * 784)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let label = rng.nextInt(below: 10)
            labels[i] = UInt8(label)
            for p in 0..<784 { pixels[i * 784 + p] = UInt8(rng.nextInt(below: 240) + (p % 10 == label ? 6 : 0)) }
        }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 28, 28], source: "noise")
    }

    static func trainer(samples: Int?, seed: UInt64 = 3, epochs: Int = 2) throws -> Trainer {
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 50, optimizer: SGD(learningRate: 0.05), seed: seed)
        return try Trainer(network: network, train: data(), test: data(count: 200, seed: 6),
                           options: .init(epochs: epochs, batchSize: 50, seed: seed, trainAccuracySamples: samples))
    }

    /// The samples at `indices`, as a set of their own (the by-hand check).
    static func gather(_ data: LabeledImages, _ indices: [Int32]) -> LabeledImages {
        let n = data.samplePixels
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for i in indices.map(Int.init) {
            pixels += data.pixels[i * n..<(i + 1) * n]
            labels.append(UInt8(data.labels[i]))
        }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: data.sampleShape, source: "sample")
    }

    @Test func sampleIsSeededDistinctAscendingAndBounded() throws {
        let a = try #require(Trainer.drawSample(count: 100, of: 600, seed: 9))
        #expect(a == Trainer.drawSample(count: 100, of: 600, seed: 9))
        #expect(a != Trainer.drawSample(count: 100, of: 600, seed: 10))
        #expect(a.count == 100 && Set(a).count == 100 && a == a.sorted())
        #expect(a.allSatisfy { $0 >= 0 && $0 < 600 })
        #expect(Trainer.drawSample(count: 600, of: 600, seed: 9) == nil)
        #expect(Trainer.drawSample(count: 601, of: 600, seed: 9) == nil)
    }

    @Test func sampledTrainAccuracyIsDeterministicAndEqualsTheAccuracyByHand() throws {
        let first = try Self.trainer(samples: 150)
        let history = try first.run()
        let sample = try #require(first.trainAccuracySample)
        #expect(sample.count == 150)
        let byHand = Trainer.accuracy(of: first.network, on: Self.gather(first.train, sample))
        #expect(history.last!.trainAccuracy == byHand)
        #expect(history.last!.trainAccuracy > 0.1 && history.last!.trainAccuracy < 1)

        let second = try Self.trainer(samples: 150)
        #expect(second.trainAccuracySample == sample)
        let again = try second.run()
        #expect(again.map(\.trainAccuracy) == history.map(\.trainAccuracy))
        #expect(again.map(\.meanLoss) == history.map(\.meanLoss))
        #expect(again.map(\.testAccuracy) == history.map(\.testAccuracy))
    }

    /// Sampling changes what is reported, never what is trained.
    @Test func allSamplesIsTodaysAccuracyAndSamplingLeavesTrainingAlone() throws {
        let all = try Self.trainer(samples: nil)
        let history = try all.run()
        #expect(all.trainAccuracySample == nil)
        #expect(history.last!.trainAccuracy == Trainer.accuracy(of: all.network, on: all.train))

        let covering = try Self.trainer(samples: 600)
        #expect(covering.trainAccuracySample == nil)
        #expect(try covering.run().map(\.trainAccuracy) == history.map(\.trainAccuracy))

        let sampled = try Self.trainer(samples: 100)
        let sampledHistory = try sampled.run()
        #expect(sampledHistory.map(\.meanLoss) == history.map(\.meanLoss))
        #expect(sampledHistory.map(\.testAccuracy) == history.map(\.testAccuracy))
        #expect(sampled.network.weightsSnapshot() == all.network.weightsSnapshot())
    }

    @Test func nonPositiveSampleCountIsRejected() throws {
        #expect(throws: TrainingError.invalidOption("train accuracy samples must be >= 1, got 0")) {
            try Self.trainer(samples: 0)
        }
    }
}
