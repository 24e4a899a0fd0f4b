#if canImport(Glibc)
import Glibc
#endif

/// Images and their class labels, kept as the bytes the files hold.
///
/// Why bytes: a float copy of Fashion-MNIST's training set is 188 MB; the
/// bytes are 47 MB. Each batch is converted to floats in [0, 1] straight
/// into the network's input buffer in the arena.
public struct LabeledImages: Sendable {
    /// count × samplePixels bytes, sample after sample.
    public let pixels: [UInt8]
    public let labels: [UInt8]
    /// One sample's shape: [channels, rows, cols].
    public let sampleShape: [Int]
    /// Where the samples came from, for messages.
    public let source: String
    /// Tabular samples (CSV): count × ``samplePixels`` floats, sample after
    /// sample, and ``pixels`` empty. Empty for images.
    public let features: [Float]
    /// True for tabular samples (``features``; shape `[featureCount]`).
    public let isTabular: Bool
    /// The per-column standardization already applied to ``features``
    /// (saved with a model trained on them); nil for images and raw tables.
    public let standardization: FeatureStandardization?
    /// The name of each class, label by label, when the data states them
    /// (a CSV file's text labels or scikit-learn header); carried into the
    /// sets made from this one and, by `train`, into the model file.
    public var classNames: [String]? = nil

    public var count: Int { labels.count }
    public var samplePixels: Int { sampleShape.reduce(1, *) }
    /// One more than the largest label (0 when empty).
    public var classCount: Int { Int(labels.max() ?? 0) + (labels.isEmpty ? 0 : 1) }

    public init(pixels: [UInt8], labels: [UInt8], sampleShape: [Int], source: String) {
        precondition(pixels.count == labels.count * sampleShape.reduce(1, *),
                     "LabeledImages: \(pixels.count) pixels for \(labels.count) samples of \(sampleShape)")
        self.pixels = pixels
        self.labels = labels
        self.sampleShape = sampleShape
        self.source = source
        self.features = []
        self.isTabular = false
        self.standardization = nil
    }

    /// Tabular samples: `featureCount` floats per label, row after row,
    /// fed to the network as they are (no /255).
    public init(features: [Float], labels: [UInt8], featureCount: Int, source: String,
                standardization: FeatureStandardization? = nil) {
        precondition(featureCount > 0 && features.count == labels.count * featureCount,
                     "LabeledImages: \(features.count) features for \(labels.count) samples of \(featureCount)")
        self.pixels = []
        self.labels = labels
        self.sampleShape = [featureCount]
        self.source = source
        self.features = features
        self.isTabular = true
        self.standardization = standardization
    }

    /// "N features" for tables, "C×H×W" for images.
    public var shapeDescription: String {
        isTabular ? "\(samplePixels) features" : sampleShape.map(String.init).joined(separator: "×")
    }

    /// Reads an IDX image file (N, rows, cols) and an IDX label file (N).
    public init(imagesPath: String, labelsPath: String) throws {
        let images = try IDXArray.read(path: imagesPath)
        let labels = try IDXArray.read(path: labelsPath)
        guard images.dims.count == 3 || images.dims.count == 4 else {
            throw DataError.wrongRank(path: imagesPath, expected: "images (count, rows, cols) or (count, channels, rows, cols)", dims: images.dims)
        }
        guard labels.dims.count == 1 else {
            throw DataError.wrongRank(path: labelsPath, expected: "labels (count)", dims: labels.dims)
        }
        guard images.dims[0] == labels.dims[0] else {
            throw DataError.countMismatch(images: imagesPath, imageCount: images.dims[0],
                                          labels: labelsPath, labelCount: labels.dims[0])
        }
        guard images.dims[0] > 0 else { throw DataError.empty(path: imagesPath) }
        let shape = images.dims.count == 3 ? [1, images.dims[1], images.dims[2]] : Array(images.dims[1...])
        self.init(pixels: images.bytes, labels: labels.bytes, sampleShape: shape, source: imagesPath)
    }

    /// How many classes a network trained on some labelled sets needs, and
    /// what is odd about their labels.
    public struct ClassCount: Equatable, Sendable {
        /// One more than the largest label of any set.
        public var classes: Int
        /// Classes below ``classes`` that no sample has, ascending.
        public var emptyClasses: [Int]

        public init(classes: Int, emptyClasses: [Int]) {
            self.classes = classes
            self.emptyClasses = emptyClasses
        }
        /// A one-line note when ``emptyClasses`` is not empty (the caller
        /// decides where it goes; the library never prints).
        public var warning: String? {
            guard !emptyClasses.isEmpty else { return nil }
            let shown = emptyClasses.prefix(10).map(String.init).joined(separator: ", ")
            return "the labels leave \(emptyClasses.count) of \(classes) classes without samples (\(shown)\(emptyClasses.count > 10 ? ", …" : ""))"
        }
    }

    /// The class count `sets` imply (one more than the largest label), the
    /// one check of labels before a network is sized from them (train,
    /// search). A single corrupt label (200 among Fashion-MNIST's 0…9)
    /// would otherwise make a 201-class model in silence: when the implied
    /// count is more than twice the number of distinct labels, it is
    /// refused, naming the largest label and its sample; classes left
    /// empty otherwise are reported in ``ClassCount/warning``.
    /// - Throws: ``DataError/unreadable(path:reason:)``.
    public static func classCount(of sets: [LabeledImages]) throws -> ClassCount {
        var seen = [Bool](repeating: false, count: 256)
        var largest: (label: Int, index: Int, source: String)?
        for set in sets {
            for (index, label) in set.labels.enumerated() {
                seen[Int(label)] = true
                if largest == nil || Int(label) > largest!.label { largest = (Int(label), index, set.source) }
            }
        }
        guard let largest else { return ClassCount(classes: 0, emptyClasses: []) }
        // Classes the data names count even when no sample has them.
        let classes = max(largest.label + 1, sets.compactMap { $0.classNames?.count }.max() ?? 0)
        let distinct = seen.lazy.filter { $0 }.count
        guard classes <= 2 * distinct else {
            throw DataError.unreadable(path: largest.source, reason: "label \(largest.label) of sample \(largest.index) implies \(classes) classes, but only \(distinct) different labels occur (a corrupt label?)")
        }
        return ClassCount(classes: classes, emptyClasses: (0..<classes).filter { !seen[$0] })
    }

    /// Throws when a label is not below `classes`.
    public func validateLabels(classes: Int) throws {
        if let index = labels.firstIndex(where: { Int($0) >= classes }) {
            throw DataError.labelOutOfRange(path: source, index: index, label: Int(labels[index]), classes: classes)
        }
    }

    /// The same samples labelled by their class names' places in `names`
    /// (a model's classes), for data whose own names number the classes
    /// differently (a file with fewer classes, or in another order).
    /// Data without names is returned as it is.
    /// - Throws: ``DataError/unreadable(path:reason:)`` naming the first
    ///   sample whose class is not among `names`.
    public func relabeled(as names: [String]) throws -> LabeledImages {
        guard let own = classNames, own != names else { return self }
        let places = own.map { names.firstIndex(of: $0) }
        var relabeled = labels
        for (i, label) in labels.enumerated() {
            guard Int(label) < places.count, let place = places[Int(label)] else {
                throw DataError.unreadable(path: source, reason: "sample \(i + 1): class '\(Int(label) < own.count ? own[Int(label)] : String(label))' is not one of the model's \(names.count) classes")
            }
            relabeled[i] = UInt8(place)
        }
        var result = isTabular
            ? LabeledImages(features: features, labels: relabeled, featureCount: samplePixels, source: source, standardization: standardization)
            : LabeledImages(pixels: pixels, labels: relabeled, sampleShape: sampleShape, source: source)
        result.classNames = names
        return result
    }

    /// Samples `range`, as a new set (e.g. a validation split).
    public func subset(_ range: Range<Int>) -> LabeledImages {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "LabeledImages: subset \(range) of \(count)")
        let n = samplePixels
        var part = isTabular
            ? LabeledImages(features: Array(features[range.lowerBound * n..<range.upperBound * n]), labels: Array(labels[range]),
                            featureCount: n, source: source, standardization: standardization)
            : LabeledImages(pixels: Array(pixels[range.lowerBound * n..<range.upperBound * n]),
                            labels: Array(labels[range]), sampleShape: sampleShape, source: source)
        part.classNames = classNames
        return part
    }

    /// Converts the samples at `indices` into `input` (pixel / 255) with
    /// `kernels` (pass the network's: its backend and thread count) and
    /// their labels into `labels`. Allocates nothing.
    public func fillBatch(indices: UnsafeBufferPointer<Int32>, into input: Tensor,
                          labels out: UnsafeMutableBufferPointer<Int32>, kernels: any Kernels) {
        let n = samplePixels
        precondition(input.count >= indices.count * n && out.count >= indices.count, "LabeledImages: batch buffers too small")
        guard !indices.isEmpty else { return }
        fillLabels(indices: indices, into: out)
        if isTabular {
            features.withUnsafeBufferPointer { f in
                for (row, index) in indices.enumerated() {
                    (input.pointer + row * n).update(from: f.baseAddress! + Int(index) * n, count: n)
                }
            }
            return
        }
        pixels.withUnsafeBufferPointer { px in
            kernels.gatherBytes(px.baseAddress!, indices: indices, sampleSize: n, scale: Self.pixelScale, into: input.pointer)
        }
    }

    /// The same for the contiguous samples `start..<start+count`.
    public func fillBatch(start: Int, count: Int, into input: Tensor, labels out: UnsafeMutableBufferPointer<Int32>,
                          kernels: any Kernels) {
        let n = samplePixels
        precondition(start >= 0 && start + count <= self.count, "LabeledImages: batch out of range")
        precondition(input.count >= count * n && out.count >= count, "LabeledImages: batch buffers too small")
        guard count > 0 else { return }
        if isTabular {
            features.withUnsafeBufferPointer { f in
                input.pointer.update(from: f.baseAddress! + start * n, count: count * n)
            }
            fillLabels(start: start, count: count, into: out)
            return
        }
        pixels.withUnsafeBufferPointer { px in
            kernels.convertBytes(px.baseAddress! + start * n, rows: count, sampleSize: n, scale: Self.pixelScale,
                                 into: input.pointer)
        }
        fillLabels(start: start, count: count, into: out)
    }

    /// The labels of the samples at `indices`, checking each index.
    private func fillLabels(indices: UnsafeBufferPointer<Int32>, into out: UnsafeMutableBufferPointer<Int32>) {
        labels.withUnsafeBufferPointer { lb in
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && Int(index) < lb.count, "LabeledImages: sample \(index) of \(lb.count)")
                out[row] = Int32(lb[Int(index)])
            }
        }
    }

    /// The labels of samples `start..<start+count`, as class indices.
    public func fillLabels(start: Int, count: Int, into out: UnsafeMutableBufferPointer<Int32>) {
        precondition(start >= 0 && start + count <= self.count, "LabeledImages: batch out of range")
        precondition(out.count >= count, "LabeledImages: label buffer too small")
        for r in 0..<count { out[r] = Int32(labels[start + r]) }
    }

    /// Calls `body` with the bytes of samples `start..<start+count`, sample
    /// after sample (``samplePixels`` each), valid only inside `body`.
    public func withSamples<R>(start: Int, count: Int, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        precondition(start >= 0 && count > 0 && start + count <= self.count, "LabeledImages: samples \(start)..<\(start + count) of \(self.count)")
        precondition(!isTabular, "LabeledImages: tabular samples are floats, not bytes (use fillBatch)")
        return try pixels.withUnsafeBufferPointer { try body($0.baseAddress! + start * samplePixels) }
    }

    /// Like ``fillBatch(indices:into:labels:kernels:)``, with row `r`
    /// flipped and shifted by `transforms[r]` on the way (see ``Augmentation``).
    public func fillBatch(indices: UnsafeBufferPointer<Int32>, transforms: UnsafeBufferPointer<ImageTransform>,
                          into input: Tensor, labels out: UnsafeMutableBufferPointer<Int32>, kernels: any Kernels) {
        let n = samplePixels
        precondition(input.count >= indices.count * n && out.count >= indices.count, "LabeledImages: batch buffers too small")
        precondition(transforms.count >= indices.count, "LabeledImages: \(transforms.count) transforms for \(indices.count) samples")
        precondition(!isTabular, "LabeledImages: augmentation transforms images, not tables")
        guard !indices.isEmpty else { return }
        fillLabels(indices: indices, into: out)
        pixels.withUnsafeBufferPointer { px in
            kernels.gatherBytesAugmented(px.baseAddress!, indices: indices, transforms: transforms.baseAddress!,
                                         channels: sampleShape[0], height: sampleShape[1], width: sampleShape[2],
                                         scale: Self.pixelScale, into: input.pointer)
        }
    }

    /// Bytes become floats in [0, 1].
    public static let pixelScale: Float = 1 / 255
}

/// The four files of an MNIST-format data set (Fashion-MNIST, MNIST).
public enum MNISTFormat {
    /// Debian's `dataset-fashion-mnist` installs here.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// Environment variable that overrides the default directory.
    public static let directoryVariable = "SCRATCHNET_DATA"

    /// Loads `train-*` and `t10k-*` image and label files from `directory`,
    /// gzipped (`.gz`) or not.
    public static func load(directory: String) throws -> (train: LabeledImages, test: LabeledImages) {
        func file(_ stem: String) throws -> String {
            let plain = "\(directory)/\(stem)"
            if fileExists(plain) { return plain }
            let gz = plain + ".gz"
            if fileExists(gz) { return gz }
            throw DataError.fileNotFound(path: gz)
        }
        let train = try LabeledImages(imagesPath: file("train-images-idx3-ubyte"),
                                      labelsPath: file("train-labels-idx1-ubyte"))
        let test = try LabeledImages(imagesPath: file("t10k-images-idx3-ubyte"),
                                     labelsPath: file("t10k-labels-idx1-ubyte"))
        return (train, test)
    }

    package static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}
