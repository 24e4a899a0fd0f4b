import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// A small `search` on real Fashion-MNIST ends at or above the validation
/// accuracy that `train` reaches with its defaults on the same split: running
/// a search never costs accuracy against not searching.
@Suite("search against train's defaults on Fashion-MNIST", .serialized,
       .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing),
       .enabled(if: TrainingTests.data != nil, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
struct SearchAgainstDefaultsTests {
    let dir = TemporaryDirectory()

    /// The first `train` and `test` samples of Fashion-MNIST as IDX files.
    func writeSubset(train: Int, test: Int) throws {
        let (all, tests) = TrainingTests.data!
        for (stem, images, count) in [("train", all, train), ("t10k", tests, test)] {
            try IDXArray(dims: [count, 28, 28], bytes: Array(images.pixels[0..<count * 784]))
                .write(to: dir.path("\(stem)-images-idx3-ubyte"))
            try IDXArray(dims: [count], bytes: Array(images.labels[0..<count])).write(to: dir.path("\(stem)-labels-idx1-ubyte"))
        }
    }

    @Test func smallSearchMatchesOrBeatsTheDefaultsOnTheValidationSplit() throws {
        try writeSubset(train: 3000, test: 100)
        let best = dir.path("best.json"), log = dir.path("defaults.jsonl")
        let search = try TestTools.run(TestTools.scratchnet!, ["search", "--data", dir.root, "--trials", "4", "--epochs", "1",
                                                              "--validation-split", "0.2", "--out", best, "--quiet"])
        #expect(search.status == 0, "\(search.output)")
        let searched = try #require(try TrainingConfiguration.read(path: best).search?.validationAccuracy)

        let defaults = try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.root, "--epochs", "1",
                                                                "--validation-split", "0.2", "--log", log, "--quiet"])
        #expect(defaults.status == 0, "\(defaults.output)")
        let records = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let validation = try #require(records.compactMap { $0["validation_accuracy"] as? Double }.last, "\(records)")
        // Both read the split the same seed draws; the search's first trial is train's defaults.
        #expect(validation > 0.5, "defaults reached \(validation) on the validation split")
        #expect(searched >= validation - 1e-6, "search best \(searched) < defaults \(validation)")
    }
}
