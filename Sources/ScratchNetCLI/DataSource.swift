import ScratchNet

/// Where the commands find their samples: a directory of MNIST-format IDX
/// files, or a CSV file (label column + feature columns).
///
/// A CSV file is tabular data: float features, standardized per column
/// with statistics fitted on the training part only and applied unchanged
/// to the test part (and, through the model file, to any later data).
enum DataSource {
    static func isCSV(_ path: String) -> Bool {
        path.hasSuffix(".csv") || path.hasSuffix(".csv.gz")
    }

    /// The training samples only (a search must not read the test set).
    static func loadTraining(_ path: String) throws -> LabeledImages {
        if isCSV(path) {
            let table = try CSVDataset.read(path: path).table
            return try table.standardized(by: table.featureStatistics())
        }
        return try MNISTFormat.loadTrainingSet(directory: path)
    }

    /// Stores the standardization `train` carries (if any) in the model
    /// file at `path`, so that `eval`, `predict` and the C API's callers
    /// can scale new samples as the training ones were.
    static func recordStandardization(of train: LabeledImages, inModelAt path: String?) throws {
        guard let path, let statistics = train.standardization else { return }
        try ModelFile.record(statistics, inFileAt: path)
    }

    /// Samples of a CSV file scaled as the model at `modelFile` expects:
    /// with its stored standardization, or unscaled when it has none; named
    /// labels numbered as the model's classes (a model without names takes
    /// them in sorted order, as `train` numbered them).
    static func loadTable(_ path: String, for modelFile: SafeTensors) throws -> LabeledImages {
        var table = try CSVDataset.read(path: path).table
        if table.classNames != nil, let modelNames = try ModelFile.storedClassNames(in: modelFile) {
            table = try table.relabeled(as: modelNames)
        }
        guard let statistics = try ModelFile.standardization(in: modelFile) else { return table }
        return try table.standardized(by: statistics)
    }
}

extension DataSource {
    /// Training and test samples. A CSV file has no separate test set: a
    /// fixed 20% of it (seed 0) is held out as the test set, so runs on the
    /// same file are comparable; the standardization is fitted on the other 80%.
    static func loadTrainAndTest(_ path: String) throws -> (train: LabeledImages, test: LabeledImages) {
        if isCSV(path) {
            let all = try CSVDataset.read(path: path).table
            let split = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0)
            let (train, test) = split.apply(to: all)
            let statistics = train.featureStatistics()
            return (try train.standardized(by: statistics), try test.standardized(by: statistics))
        }
        return try MNISTFormat.load(directory: path)
    }
}
