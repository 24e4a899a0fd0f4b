import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// CSV files as tabular data: float features, per-column standardization
/// fitted on the training part, the statistics kept in the model file.
@Suite("Tabular data")
struct TabularDataTests {
    let dir = TemporaryDirectory()

    static let wine = Fixtures.directory + "/wine.csv"

    @Test func csvFeaturesStayFloatsAndAreNoImage() throws {
        let csv = try CSVDataset.parse(Array("a,b,c,d,label\n0.25,10000,3,4,1\n0.75,-2.5,1,0,0\n".utf8), path: "t.csv")
        #expect(csv.table.isTabular)
        #expect(csv.table.features == [0.25, 10000, 3, 4, 0.75, -2.5, 1, 0])
        #expect(csv.table.labels == [1, 0])
        #expect(csv.table.sampleShape == [4])
        #expect(csv.table.shapeDescription == "4 features")
    }

    @Test func standardizationUsesEachColumnsOwnMeanAndDeviation() throws {
        let table = LabeledImages(features: [1, 100, 3, 300, 5, 500, 7, 7], labels: [0, 1, 0, 1], featureCount: 2, source: "t")
        let statistics = table.featureStatistics()
        #expect(statistics.mean == [4, 226.75])
        // Population deviation of 1, 3, 5, 7: √5.
        #expect(abs(statistics.std[0] - 5.0.squareRoot().floatValue) < 1e-6)
        let scaled = try table.standardized(by: statistics)
        let column0 = stride(from: 0, to: 8, by: 2).map { scaled.features[$0] }
        #expect(abs(column0.reduce(0, +)) < 1e-5)
        #expect(scaled.standardization == statistics)
        // A constant column becomes zeros, not NaN.
        let constant = LabeledImages(features: [2, 2, 2], labels: [0, 1, 0], featureCount: 1, source: "t")
        #expect(try constant.standardized(by: constant.featureStatistics()).features == [0, 0, 0])
        #expect(throws: DataError.self) { try constant.standardized(by: statistics) }
    }

    /// The issue's table: one feature in [0, 1] decides the class, three in
    /// [0, 10000] are noise. One range for the file squeezed the signal into
    /// a byte or two (50.75 %); per column it is as large as the noise.
    @Test func separableSmallFeatureBesideLargeNoiseIsLearnedPerfectly() throws {
        var rng = SplitMix(seed: 7)
        var features: [Float] = [], labels: [UInt8] = []
        for _ in 0..<400 {
            let signal = rng.unit()
            features += [signal, rng.unit() * 10000, rng.unit() * 10000, rng.unit() * 10000]
            labels.append(signal > 0.5 ? 1 : 0)
        }
        let all = LabeledImages(features: features, labels: labels, featureCount: 4, source: "separable")
        let (rawTrain, rawTest) = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0).apply(to: all)
        let statistics = rawTrain.featureStatistics()
        let train = try rawTrain.standardized(by: statistics), test = try rawTest.standardized(by: statistics)
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [4], classes: 2), maxBatch: 20,
                                  optimizer: SGD(learningRate: 0.1), seed: 1)
        let trainer = try Trainer(network: network, train: train, test: test, options: .init(epochs: 30, batchSize: 20, seed: 1))
        let accuracy = try #require(try trainer.run().last?.testAccuracy)
        // 80 test samples; a threshold separates them all. One miss near 0.5 is allowed.
        #expect(accuracy >= 79.0 / 80, "test accuracy \(accuracy)")
    }

    /// Wine: 13 measurements from about 0.1 (hue) to about 1700 (proline).
    /// A 13-100-3 ReLU net reaches 97–100 % on the held-out 20 % (seed 0)
    /// with per-column standardization; 90 % leaves room for seeds.
    @Test func wineFixtureTrainsAboveNinetyPercent() throws {
        let csv = try CSVDataset.read(path: Self.wine)
        #expect(csv.table.count == 178 && csv.table.sampleShape == [13])
        #expect(csv.header?.last == "class")
        let (rawTrain, rawTest) = try ValidationSplit(count: csv.table.count, fraction: 0.2, seed: 0).apply(to: csv.table)
        let statistics = rawTrain.featureStatistics()
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [13], classes: 3), maxBatch: 10,
                                  optimizer: SGD(learningRate: 0.1), seed: 1)
        let trainer = try Trainer(network: network, train: try rawTrain.standardized(by: statistics),
                                  test: try rawTest.standardized(by: statistics), options: .init(epochs: 30, batchSize: 10, seed: 1))
        let accuracy = try #require(try trainer.run().last?.testAccuracy)
        #expect(accuracy > 0.90, "test accuracy \(accuracy)")
    }

    @Test func modelFileKeepsTheStandardization() throws {
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [3], classes: 2), maxBatch: 4, seed: 1)
        let path = dir.path("m.safetensors")
        try ModelFile.save(network, to: path)
        #expect(try ModelFile.standardization(in: SafeTensors.read(path: path)) == nil)
        let statistics = FeatureStandardization(mean: [1, 2, 3], std: [0.5, 1, 2000])
        try ModelFile.record(statistics, inFileAt: path)
        let file = try SafeTensors.read(path: path)
        #expect(try ModelFile.standardization(in: file) == statistics)
        // The model still loads as before.
        _ = try ModelFile.load(file, maxBatch: 1)
        // Statistics for another input size, or a zero deviation, are refused.
        try HostileFileCrafting.rewrite(file, to: path) { $0[ModelFile.standardizationKey] = #"{"mean":[1,2],"std":[1,1]}"# }
        #expect(throws: SerializationError.self) { try ModelFile.standardization(in: SafeTensors.read(path: path)) }
        try HostileFileCrafting.rewrite(file, to: path) { $0[ModelFile.standardizationKey] = #"{"mean":[1,2,3],"std":[1,0,1]}"# }
        #expect(throws: SerializationError.self) { try ModelFile.standardization(in: SafeTensors.read(path: path)) }
    }

    /// `train --save` on a CSV file stores the statistics of its training part.
    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func trainOnCSVSavesTheStatisticsAndReportsFeatures() throws {
        let model = dir.path("wine.safetensors")
        let result = try TestTools.run(TestTools.scratchnet!, ["train", "--data", Self.wine, "--model", "two-layer",
                                                               "--epochs", "3", "--batch-size", "10", "--save", model])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("13 → affine(100)"), "\(result.output)")
        let statistics = try #require(try ModelFile.standardization(in: SafeTensors.read(path: model)))
        #expect(statistics.featureCount == 13)
        #expect(statistics.mean[12] > 500 && statistics.std[12] > 100)  // proline
    }
}

/// `eval` and `predict` read CSV files as `train` does: scaled by the model
/// file's standardization, float and int8, with the class names it carries.
@Suite("Tabular data through eval, predict and quantize", .serialized,
       .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct TabularCommandTests {
    let dir = TemporaryDirectory()

    func scratchnet(_ arguments: [String]) throws -> TestTools.Result {
        try TestTools.run(TestTools.scratchnet!, arguments)
    }

    @Test func evalAndPredictReadCSVFloatAndInt8() throws {
        let model = dir.path("wine.safetensors"), best = dir.path("best.safetensors"), int8 = dir.path("wine.int8.safetensors")
        let train = try scratchnet(["train", "--data", TabularDataTests.wine, "--model", "two-layer", "--epochs", "20",
                                    "--batch-size", "10", "--classes", "barolo,grignolino,barbera",
                                    "--save", model, "--save-best", best, "--quiet"])
        #expect(train.status == 0, "\(train.output)")
        // The best-epoch model carries what the final one does.
        let bestFile = try SafeTensors.read(path: best)
        #expect(try ModelFile.classNames(in: bestFile, classes: 3) == ["barolo", "grignolino", "barbera"])
        #expect(try ModelFile.standardization(in: bestFile)?.featureCount == 13)

        // Every row of the file, standardized: far above the 40 % of the largest class.
        let eval = try scratchnet(["eval", "--model", model, "--data", TabularDataTests.wine])
        #expect(eval.status == 0, "\(eval.output)")
        let accuracy = try #require(Self.accuracy(in: eval.output))
        #expect(accuracy > 90 && eval.output.contains("of 178 samples") && eval.output.contains("barbera"), "\(eval.output)")

        let quantize = try scratchnet(["quantize", "--model", model, "--data", TabularDataTests.wine, "--output", int8])
        #expect(quantize.status == 0, "\(quantize.output)")
        let evalInt8 = try scratchnet(["eval", "--model", int8, "--data", TabularDataTests.wine])
        let accuracyInt8 = try #require(Self.accuracy(in: evalInt8.output), "\(evalInt8.output)")
        #expect(abs(accuracyInt8 - accuracy) <= 3, "float \(accuracy) %, int8 \(accuracyInt8) %")

        // Rows with and without the label column; the first three rows are class 0.
        let csv = try String(contentsOfFile: TabularDataTests.wine, encoding: .utf8).split(separator: "\n")
        try (csv[0...3].joined(separator: "\n") + "\n").write(toFile: dir.path("labelled.csv"), atomically: true, encoding: .utf8)
        let unlabelled = csv[1...3].map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n") + "\n"
        try unlabelled.write(toFile: dir.path("rows.csv"), atomically: true, encoding: .utf8)
        for file in [model, int8] {
            let predict = try scratchnet(["predict", "--model", file, "--top", "2", dir.path("labelled.csv"), dir.path("rows.csv")])
            #expect(predict.status == 0, "\(predict.output)")
            #expect(predict.output.components(separatedBy: ": class 0 barolo (p =").count - 1 == 6, "\(predict.output)")
            #expect(predict.output.contains("rows.csv[2]: class") && predict.output.contains("  2. class"), "\(predict.output)")
        }
        // A row of the wrong width names the file and both counts.
        try "1,2,3\n".write(toFile: dir.path("narrow.csv"), atomically: true, encoding: .utf8)
        let narrow = try scratchnet(["predict", "--model", model, dir.path("narrow.csv")])
        CLIOptionTests.expectOneLineFailure(narrow, status: 65, says: "narrow.csv")
        #expect(narrow.output.contains("13 features"), "\(narrow.output)")
    }

    static func accuracy(in output: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("test accuracy ") }) else { return nil }
        return Double(line.dropFirst("test accuracy ".count).prefix { $0 != "%" })
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

extension Double {
    fileprivate var floatValue: Float { Float(self) }
}
