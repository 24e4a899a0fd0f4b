import ScratchNet

/// Where the commands find their samples: a directory of MNIST-format IDX
/// files, or a CSV file (label column + feature columns).
enum DataSource {
    static func isCSV(_ path: String) -> Bool {
        path.hasSuffix(".csv") || path.hasSuffix(".csv.gz")
    }

    /// The training samples only (a search must not read the test set).
    static func loadTraining(_ path: String) throws -> LabeledImages {
        if isCSV(path) { return try CSVDataset.read(path: path).images }
        return try MNISTFormat.loadTrainingSet(directory: path)
    }
}

extension DataSource {
    /// Training and test samples. A CSV file has no separate test set: a
    /// fixed 20% of it (seed 0) is held out as the test set, so runs on the
    /// same file are comparable.
    static func loadTrainAndTest(_ path: String) throws -> (train: LabeledImages, test: LabeledImages) {
        if isCSV(path) {
            let all = try CSVDataset.read(path: path).images
            let split = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0)
            let (train, test) = split.apply(to: all)
            return (train, test)
        }
        return try MNISTFormat.load(directory: path)
    }
}
