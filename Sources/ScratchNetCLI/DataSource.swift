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
