import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Class names stated by CSV files: a text label column (numbered in sorted
/// order) or scikit-learn's header line; carried into the model file by
/// `train` and mapped back by `eval` on files that hold fewer classes.
@Suite("CSV class names")
struct CSVClassNameTests {
    func parse(_ text: String, label: CSVDataset.LabelColumn? = nil) throws -> CSVDataset {
        try CSVDataset.parse(Array(text.utf8), path: "test.csv", labelColumn: label)
    }

    @Test func textLabelsWithoutHeaderAreNumberedInSortedOrder() throws {
        let csv = try parse("5.1,3.5,virginica\n7.0,3.2,setosa\n6.3,3.3,versicolor\n4.9,3.0,setosa\n")
        #expect(csv.header == nil)
        #expect(csv.table.classNames == ["setosa", "versicolor", "virginica"])
        #expect(csv.table.labels == [2, 0, 1, 0])
        #expect(csv.table.features == [5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0])
    }

    @Test func textLabelsInAnyColumnWithAHeader() throws {
        let csv = try parse("species,length,width\n\"b\",1,2\na,3,4\n")
        #expect(csv.header == ["species", "length", "width"])
        #expect(csv.table.classNames == ["a", "b"])
        #expect(csv.table.labels == [1, 0])
        #expect(csv.table.features == [1, 2, 3, 4])
    }

    @Test func scikitLearnHeaderNamesTheClasses() throws {
        let csv = try parse("3,2,setosa,versicolor,virginica\n5.1,3.5,0\n7.0,3.2,1\n6.3,3.3,2\n")
        #expect(csv.header == nil)
        #expect(csv.table.classNames == ["setosa", "versicolor", "virginica"])
        #expect(csv.table.labels == [0, 1, 2])
        // A class the header names counts even without samples.
        let partial = try parse("2,2,a,b,c\n1,2,0\n3,4,1\n")
        #expect(try LabeledImages.classCount(of: [partial.table]).classes == 3)
        #expect { try parse("2,2,a,b\n1,2,0\n3,4,2\n") } throws: { "\($0)".contains("the header names 2 classes") }
    }

    @Test func textOutsideTheLabelColumnIsRefused() {
        #expect { try parse("1,x,2\n3,y,z\n") } throws: { "\($0)".contains("line 2, column 3") && "\($0)".contains("only column 2 holds text") }
        #expect { try parse("1,x,2\n3,y,0\n", label: .last) } throws: { "\($0)".contains("column 2 holds text, but the label column is 3") }
        // Names as long as a model file keeps, no longer.
        let longest = String(repeating: "n", count: ModelFile.maximumClassNameLength)
        #expect((try? parse("1,\(longest)\n2,b\n").table.classNames) == ["b", longest])
        #expect { try parse("1,\(longest)n\n2,b\n") } throws: { "\($0)".contains("1 to \(ModelFile.maximumClassNameLength) characters") }
        let many = (0...256).map { "\($0),c\($0)" }.joined(separator: "\n")
        #expect { try parse(many) } throws: { "\($0)".contains("more than 256 distinct class names") }
    }

    @Test func relabelingMapsNamesOntoTheModelsClasses() throws {
        let data = try parse("1,2,cat\n3,4,bee\n").table  // own numbering: bee 0, cat 1
        let mapped = try data.relabeled(as: ["ant", "bee", "cat"])
        #expect(mapped.labels == [2, 1])
        #expect(mapped.classNames == ["ant", "bee", "cat"])
        #expect { try data.relabeled(as: ["ant", "cat"]) } throws: { "\($0)".contains("sample 2: class 'bee' is not one of the model's 2 classes") }
        // Splits and standardization keep the names.
        #expect(data.subset(0..<1).classNames == ["bee", "cat"])
        #expect(try data.standardized(by: data.featureStatistics()).classNames == ["bee", "cat"])
    }

    /// Three separable clusters named by text: `train --save` stores the
    /// names, `predict` prints them, and `eval` on a file holding two of
    /// the classes (first seen in another order) scores every row right.
    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func trainPredictAndEvalSpeakTheFilesNames() throws {
        let dir = TemporaryDirectory()
        var rng = SeededGenerator(seed: 3)
        func rows(_ names: [String], count: Int) -> String {
            (0..<count).map { i in
                let c = i % names.count, name = names[c]
                let centre = ["ant": 0.0, "bee": 10.0, "cat": 20.0][name]!
                let x = centre + Double(rng.nextInt(below: 100)) / 100, y = Double(c) + Double(rng.nextInt(below: 100)) / 1000
                return "\(x),\(y),\(name)"
            }.joined(separator: "\n") + "\n"
        }
        try AtomicFile.write(Array(("x,y,animal\n" + rows(["cat", "ant", "bee"], count: 300)).utf8), to: dir.path("train.csv"))
        try AtomicFile.write(Array(rows(["cat", "bee"], count: 20).utf8), to: dir.path("two.csv"))
        let model = dir.path("m.safetensors")
        let train = try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.path("train.csv"), "--epochs", "20",
                                                             "--batch-size", "10", "--save", model, "--quiet"])
        #expect(train.status == 0, "\(train.output)")
        let file = try SafeTensors.read(path: model)
        #expect(try ModelFile.classNames(in: file, classes: 3) == ["ant", "bee", "cat"])

        let eval = try TestTools.run(TestTools.scratchnet!, ["eval", "--model", model, "--data", dir.path("two.csv")])
        #expect(eval.status == 0, "\(eval.output)")
        #expect(eval.output.contains("1 bee") && eval.output.contains("2 cat") && eval.output.contains("100.00% (10 of 10)"), "\(eval.output)")
        #expect(!eval.output.contains("% (0 of 10)"), "\(eval.output)")

        let predict = try TestTools.run(TestTools.scratchnet!, ["predict", "--model", model, dir.path("two.csv")])
        #expect(predict.status == 0, "\(predict.output)")
        let first = predict.output.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains("class 2 cat"), "\(predict.output)")
    }
}
