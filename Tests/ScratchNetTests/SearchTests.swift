import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Hyperparameter search: split, sampling, narrowing, an end-to-end run, the config file.
@Suite("Hyperparameter search")
struct SearchTests {
    @Test func validationSplitIsDisjointCompleteAndSeeded() throws {
        let a = try ValidationSplit(count: 1000, fraction: 0.2, seed: 7)
        #expect(a.validationIndices.count == 200)
        #expect(a.trainIndices.count == 800)
        #expect(Set(a.trainIndices).isDisjoint(with: a.validationIndices))
        #expect(Set(a.trainIndices + a.validationIndices) == Set(0..<1000))
        let again = try ValidationSplit(count: 1000, fraction: 0.2, seed: 7)
        #expect(again == a)
        let other = try ValidationSplit(count: 1000, fraction: 0.2, seed: 8)
        #expect(other.validationIndices != a.validationIndices)
        // Not simply the last 20%: the split is shuffled.
        #expect(Set(a.validationIndices) != Set(800..<1000))
    }

    @Test func validationSplitCarriesTheRightSamples() throws {
        let labels = (0..<50).map { UInt8($0 % 10) }
        let pixels = (0..<50).flatMap { i in [UInt8](repeating: UInt8(i), count: 4) }
        let data = LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 2, 2], source: "synthetic")
        let split = try ValidationSplit(count: 50, fraction: 0.3, seed: 1)
        let (train, validation) = split.apply(to: data)
        for (row, i) in split.validationIndices.enumerated() {
            #expect(validation.labels[row] == labels[i])
            #expect(validation.pixels[row * 4] == UInt8(i))
        }
        #expect(train.count + validation.count == 50)
    }

    @Test func badValidationFractionsThrow() {
        #expect(throws: TrainingError.self) { try ValidationSplit(count: 100, fraction: 0, seed: 0) }
        #expect(throws: TrainingError.self) { try ValidationSplit(count: 100, fraction: 1, seed: 0) }
        #expect(throws: TrainingError.self) { try ValidationSplit(count: 2, fraction: 0.1, seed: 0) }
    }

    @Test func logUniformSamplesStayInRangeAndSpreadOverDecades() {
        let range = LogUniformRange(-6, -2)
        var rng = SeededGenerator(seed: 3)
        var exponents: [Double] = []
        for _ in 0..<20_000 {
            let v = range.sample(using: &rng)
            #expect(range.contains(v))
            exponents.append(log10(v))
        }
        // Uniform in the exponent: mean −4, and each decade holds about a quarter
        // (20 000 draws: a quarter is 5000 ± 61 (1σ); allow ±300).
        let mean = exponents.reduce(0, +) / Double(exponents.count)
        #expect(abs(mean - -4) < 0.05, "mean exponent \(mean)")
        for decade in [-6.0, -5, -4, -3] {
            let n = exponents.filter { $0 >= decade && $0 < decade + 1 }.count
            #expect(abs(n - 5000) < 300, "decade \(decade): \(n)")
        }
    }

    @Test func rangeArgumentsParseExponentsAndValues() {
        #expect(LogUniformRange(argument: "-6,-2") == LogUniformRange(-6, -2))
        let values = LogUniformRange(argument: "1e-6:1e-2")!
        #expect(abs(values.lowerExponent - -6) < 1e-12 && abs(values.upperExponent - -2) < 1e-12)
        #expect(LogUniformRange(argument: "-2,-6") == nil)
        #expect(LogUniformRange(argument: "0:1") == nil)
    }

    func outcome(_ index: Int, lr: Double, wd: Double, accuracy: Double) -> TrialOutcome {
        TrialOutcome(trial: Trial(index: index, round: 0, learningRate: lr, weightDecay: wd),
                     validationAccuracy: accuracy, trainAccuracy: accuracy, finalLoss: 1 - accuracy, seconds: 0)
    }

    @Test func narrowingShrinksTheRangesAroundTheBestTrials() {
        let space = SearchSpace.book
        let outcomes = [
            outcome(0, lr: 1e-3, wd: 1e-6, accuracy: 0.90),
            outcome(1, lr: 3e-3, wd: 1e-5, accuracy: 0.88),
            outcome(2, lr: 2e-3, wd: 3e-7, accuracy: 0.87),
            outcome(3, lr: 1e-6, wd: 1e-8, accuracy: 0.10),
            outcome(4, lr: 1e-2, wd: 1e-4, accuracy: 0.20),
        ]
        let next = space.narrowed(toBest: outcomes, keep: 3)
        #expect(next.learningRate(for: .sgd).width < space.learningRate(for: .sgd).width)
        #expect(next.weightDecay.width < space.weightDecay.width)
        for o in outcomes.prefix(3) {
            #expect(next.learningRate(for: .sgd).contains(o.trial.learningRate))
            #expect(next.weightDecay.contains(o.trial.weightDecay))
        }
        #expect(!next.learningRate(for: .sgd).contains(1e-6) && !next.learningRate(for: .sgd).contains(1e-2))
        // The span of lr 1e-3...3e-3 is log10(3) decades.
        #expect(abs(next.learningRate(for: .sgd).width - log10(3.0)) < 1e-9)
        // One best trial: a tenth of a decade around it, never a point.
        let single = space.narrowed(toBest: outcomes, keep: 1)
        #expect(abs(single.learningRate(for: .sgd).width - 0.1) < 1e-9 && single.learningRate(for: .sgd).contains(1e-3))
    }

    @Test func rankingPutsFailuresLastAndBestFirst() {
        var failed = outcome(0, lr: 1, wd: 1e-8, accuracy: 0.99)
        failed.failure = "diverged"
        let ranked = TrialOutcome.ranked([failed, outcome(1, lr: 1e-3, wd: 1e-8, accuracy: 0.5), outcome(2, lr: 1e-3, wd: 1e-8, accuracy: 0.7)])
        #expect(ranked.map(\.trial.index) == [2, 1, 0])
    }

    @Test func sampledTrialsAreRepeatableAndInsideTheSpace() {
        let search = HyperparameterSearch(space: .book, trialsPerRound: 10, seed: 5)
        let a = search.trials(round: 0, space: .book)
        #expect(a == search.trials(round: 0, space: .book))
        #expect(a.allSatisfy { SearchSpace.book.learningRate(for: .sgd).contains($0.learningRate) && SearchSpace.book.weightDecay.contains($0.weightDecay) })
        #expect(a != search.trials(round: 1, space: .book))
    }

    @Test func tinySearchRunsEndToEndOnTwoThreadsAndNarrows() throws {
        let all = try CSVDataset.read(path: Fixtures.digits).images.subset(0..<400)
        let (train, validation) = try ValidationSplit(count: all.count, fraction: 0.2, seed: 1).apply(to: all)
        let spec = Preset.twoLayer.spec(inputShape: train.sampleShape, classes: 10)
        let trainer = TrialTrainer(spec: spec, train: train, validation: validation, epochs: 2, batchSize: 32, seed: 1)
        let search = HyperparameterSearch(space: SearchSpace(optimizers: [.sgd], activations: [.relu], learningRate: LogUniformRange(-2, 0),
                                                                weightDecay: LogUniformRange(-8, -4)),
                                          trialsPerRound: 2, rounds: 2, keepBest: 1, seed: 2)
        // Concurrent trials, each network on its own 1 kernel thread (the default).
        let outcomes = search.run(concurrency: 2, train: { trainer.train($0) })
        #expect(outcomes.count == 4)
        #expect(Set(outcomes.map(\.trial.index)) == [0, 1, 2, 3])
        #expect(outcomes.allSatisfy { $0.failure == nil && (0...1).contains($0.validationAccuracy) })
        // Ranked best first.
        #expect(zip(outcomes, outcomes.dropFirst()).allSatisfy { $0.validationAccuracy >= $1.validationAccuracy })
        // lr ≥ 0.01 on digits learns something in 2 epochs (10% is chance).
        #expect(outcomes[0].validationAccuracy > 0.3, "best validation accuracy \(outcomes[0].validationAccuracy)")
        // Round 2 was drawn from around round 1's best.
        let round1Best = TrialOutcome.ranked(outcomes.filter { $0.trial.round == 0 })[0]
        for o in outcomes where o.trial.round == 1 {
            #expect(abs(log10(o.trial.learningRate) - log10(round1Best.trial.learningRate)) <= 0.05 + 1e-9)
        }
    }

    @Test func configurationRoundTripsThroughItsFile() throws {
        let dir = TemporaryDirectory()
        let config = TrainingConfiguration(model: "mlp", hidden: [100, 50], activation: "relu", initializer: "he",
                                           optimizer: "sgd", epochs: 3, batchSize: 64, learningRate: 0.0123456789,
                                           weightDecay: 1.5e-7, seed: 9,
                                           search: .init(validationAccuracy: 0.875, validationFraction: 0.2, trials: 4, rounds: 2, space: "x"))
        try config.write(to: dir.path("best.json"))
        #expect(try TrainingConfiguration.read(path: dir.path("best.json")) == config)
        // The keys are the snake_case the CLI documents.
        let text = String(decoding: try AtomicFile.read(dir.path("best.json")), as: UTF8.self)
        #expect(text.contains("\"learning_rate\"") && text.contains("\"weight_decay\"") && text.contains("\"batch_size\""))
        // Missing keys stay nil; unknown keys are refused.
        try AtomicFile.write(Array("{\"learning_rate\": 0.5}".utf8), to: dir.path("partial.json"))
        #expect(try TrainingConfiguration.read(path: dir.path("partial.json")) == TrainingConfiguration(learningRate: 0.5))
        try AtomicFile.write(Array("{\"learning_rate\": 0.5, \"future_option\": 1}".utf8), to: dir.path("unknown.json"))
        #expect(throws: DataError.self) { try TrainingConfiguration.read(path: dir.path("unknown.json")) }
        try AtomicFile.write(Array("not json".utf8), to: dir.path("bad.json"))
        #expect(throws: DataError.self) { try TrainingConfiguration.read(path: dir.path("bad.json")) }
    }
}

/// Paths of the committed test fixtures.
enum Fixtures {
    static let directory: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
    }()
    static let digits = directory + "/digits.csv.gz"
}
