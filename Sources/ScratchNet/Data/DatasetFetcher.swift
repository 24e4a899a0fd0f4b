extension MNISTFormat {
    /// The four file names of an MNIST-format set, without `.gz`.
    public static let fileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Path of `stem` in `directory`, plain or gzipped.
    static func locate(_ stem: String, in directory: String) throws -> String {
        let plain = "\(directory)/\(stem)"
        if fileExists(plain) { return plain }
        if fileExists(plain + ".gz") { return plain + ".gz" }
        throw DataError.fileNotFound(path: plain + ".gz")
    }

    /// Only the training images and labels (a search never reads the test set).
    public static func loadTrainingSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[0], in: directory), labelsPath: locate(fileStems[1], in: directory))
    }

    /// Only the test images and labels.
    public static func loadTestSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[2], in: directory), labelsPath: locate(fileStems[3], in: directory))
    }
}
