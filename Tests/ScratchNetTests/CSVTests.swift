import Testing
import ScratchNet
import ScratchNetTestSupport

/// CSV data sets: parsing, label columns, errors, and the 8×8 digits fixture.
@Suite("CSV data sets")
struct CSVTests {
    func parse(_ text: String, label: CSVDataset.LabelColumn? = nil) throws -> CSVDataset {
        try CSVDataset.parse(Array(text.utf8), path: "test.csv", labelColumn: label)
    }

    @Test func headerIsDetectedAndNamedLabelColumnIsUsed() throws {
        let csv = try parse("a,b,label\n0,255,1\n255,0,0\n")
        #expect(csv.header == ["a", "b", "label"])
        #expect(csv.images.labels == [1, 0])
        #expect(csv.images.pixels == [0, 255, 255, 0])
        #expect(csv.images.sampleShape == [2])
    }

    @Test func noHeaderLabelFirstAndIntegerFeaturesKeepZero() throws {
        let csv = try parse("3,0,4,8,16\n1,16,0,0,0\n")
        #expect(csv.header == nil)
        #expect(csv.images.labels == [3, 1])
        // 0...16 scales by 255/16: 4 → 63.75 → 64, 8 → 127.5 → 128.
        #expect(csv.images.pixels == [0, 64, 128, 255, 255, 0, 0, 0])
        #expect(csv.images.sampleShape == [1, 2, 2])
    }

    @Test func explicitLabelColumnAndRealValuedFeatures() throws {
        let csv = try parse("-1.0,0.5,2\n1.0,-0.5,0\n", label: .last)
        #expect(csv.images.labels == [2, 0])
        // Min-max over the file: −1 → 0, 1 → 255, 0.5 → 191.25 → 191.
        #expect(csv.images.pixels == [0, 191, 255, 64])
    }

    @Test func malformedFilesThrowWithTheLine() {
        #expect { try parse("1,2,3\n4,5\n") } throws: { "\($0)".contains("line 2") }
        #expect { try parse("1,2,3\n4,x,6\n") } throws: { "\($0)".contains("line 2") && "\($0)".contains("'x'") }
        #expect { try parse("1.5,2,3\n", label: .first) } throws: { "\($0)".contains("label") }
        #expect(throws: DataError.self) { try parse("a,b\n") }
    }

    @Test func digitsFixtureLoadsAsEightByEightImages() throws {
        let csv = try CSVDataset.read(path: Fixtures.digits)
        let info = DatasetInfo(csv.images)
        #expect(info.count == 1797)
        #expect(info.sampleShape == [1, 8, 8])
        #expect(info.classCounts.count == 10 && info.classCounts.reduce(0, +) == 1797)
        #expect(info.classCounts.min()! >= 174)
        #expect(csv.featureRange == 0...16)
        // The first sample of sklearn's digits is a 0.
        #expect(csv.images.labels[0] == 0)
    }

    @Test func digitsFixtureTrainsAboveNinetyPercent() throws {
        let all = try CSVDataset.read(path: Fixtures.digits).images
        let (train, test) = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0).apply(to: all)
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [1, 8, 8], classes: 10), maxBatch: 50,
                                  optimizer: SGD(learningRate: 0.1), seed: 1)
        let trainer = try Trainer(network: network, train: train, test: test, options: .init(epochs: 20, batchSize: 50, seed: 1))
        let accuracy = try #require(try trainer.run().last?.testAccuracy)
        // A 64-100-10 ReLU net reaches ~95–97% here; 90% leaves room for seeds.
        #expect(accuracy > 0.90, "test accuracy \(accuracy)")
    }
}
