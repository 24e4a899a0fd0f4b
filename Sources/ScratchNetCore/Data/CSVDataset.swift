/// A labelled data set in a CSV file: one sample per line, one column the
/// class label (an integer 0...255), the others the features.
///
/// The first line is a header when any of its fields is not a number.
/// Files may be gzipped (`.gz`). Features are stored as bytes like images
/// are: each is mapped linearly from [min, max] of the whole file to
/// 0...255 (so the network sees [0, 1]); integer features already in
/// 0...255 with min 0 keep the scale 255/max — for scikit-learn's 8×8
/// digits (0...16) that is v·255/16, rounded. When the feature count is a
/// perfect square the samples are 1×s×s images, so `show` and reports can
/// draw them.
public struct CSVDataset: Sendable {
    public enum LabelColumn: Sendable, Equatable {
        case first, last
        case index(Int)
    }

    public let images: LabeledImages
    /// Column names when the file had a header.
    public let header: [String]?
    /// The feature range before scaling to bytes.
    public let featureRange: ClosedRange<Double>

    /// Reads and parses a CSV file, gzipped or not.
    ///
    /// A gzipped file is inflated and parsed piece by piece; inflating beyond
    /// ``FileSizeLimit/data`` is ``DataError/inflatesTooLarge(path:limit:declared:)``.
    /// At most ``FileSizeLimit/data``'s bytes / 8 values are parsed (the
    /// memory they take is then the data limit).
    /// - Complexity: memory is the file's bytes plus 8 bytes per value
    ///   (the parsed numbers) plus 1 byte per value (the result).
    public static func read(path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        try read(path: path, labelColumn: labelColumn, limit: .data)
    }

    /// ``read(path:labelColumn:)`` under another limit: on the file, on what it
    /// inflates to, and on the parsed values (`limit.bytes / 8` of them).
    package static func read(path: String, labelColumn: LabelColumn?, limit: FileSizeLimit) throws -> CSVDataset {
        let raw = try AtomicFile.read(path, limit: limit)
        let gzip = Gzip.isGzip(raw)
        // A gzip trailer states the size mod 2³²; trusted only up to a plausible ratio.
        let expected = gzip ? min(Gzip.statedSize(raw), 32 * raw.count) : raw.count
        var table = CSVTable(path: path, maxValues: limit.bytes / MemoryLayout<Double>.size, expectedBytes: expected)
        if gzip {
            try Gzip.inflate(raw, path: path, limit: limit.bytes) { try table.feed($0) }
        } else {
            try raw.withUnsafeBufferPointer { try table.feed($0) }
        }
        try table.finish()
        return try dataset(table, labelColumn: labelColumn)
    }

    /// Parses CSV bytes. Without `labelColumn`, the label is the column whose
    /// header says "label"/"target"/"class", else the last column when every
    /// value there is a small integer and the first is not, else the first.
    public static func parse(_ raw: [UInt8], path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        try dataset(CSVTable.parse(raw, path: path), labelColumn: labelColumn)
    }

    static func dataset(_ table: CSVTable, labelColumn: LabelColumn?) throws -> CSVDataset {
        let path = table.path, width = table.width, header = table.header
        let rows = Rows(values: table.values, width: width, count: table.rows)
        guard rows.count > 0 else { throw DataError.empty(path: path) }
        guard width >= 2 else { throw DataError.unreadable(path: path, reason: "needs a label column and at least one feature column") }

        let labelIndex: Int
        switch labelColumn {
        case .first?: labelIndex = 0
        case .last?: labelIndex = width - 1
        case .index(let i)?:
            guard i >= 0 && i < width else { throw DataError.unreadable(path: path, reason: "label column \(i) does not exist (\(width) columns)") }
            labelIndex = i
        case nil:
            labelIndex = guessLabelColumn(rows: rows, header: header, width: width)
        }
        var labels: [UInt8] = []
        labels.reserveCapacity(rows.count)
        var lo = Double.infinity, hi = -Double.infinity
        var allIntegers = true
        for r in 0..<rows.count {
            let label = rows[r, labelIndex]
            guard label >= 0, label <= 255, label == label.rounded() else {
                throw DataError.unreadable(path: path, reason: "row \(r + 1): label \(label) is not an integer in 0...255")
            }
            labels.append(UInt8(label))
            for c in 0..<width where c != labelIndex {
                let v = rows[r, c]
                lo = min(lo, v); hi = max(hi, v)
                if v != v.rounded() { allIntegers = false }
            }
        }
        let features = width - 1
        // Non-negative integers up to 255 keep zero at zero.
        let offset = (allIntegers && lo >= 0 && hi <= 255) ? 0 : lo
        let span = hi - offset
        let scale = span > 0 ? 255 / span : 0
        var pixels = [UInt8](repeating: 0, count: try CheckedSize.product([rows.count, features], field: "samples × features", source: path))
        for r in 0..<rows.count {
            var k = r * features
            for c in 0..<width where c != labelIndex {
                let v = rows[r, c]
                pixels[k] = UInt8(max(0, min(255, ((v - offset) * scale).rounded())))
                k += 1
            }
        }
        let side = Int(Double(features).squareRoot().rounded())
        let shape = side * side == features ? [1, side, side] : [features]
        return CSVDataset(images: LabeledImages(pixels: pixels, labels: labels, sampleShape: shape, source: path),
                          header: header, featureRange: lo...hi)
    }

    /// The parsed values seen as rows.
    struct Rows {
        let values: [Double]
        let width: Int
        let count: Int
        subscript(row: Int, column: Int) -> Double { values[row * width + column] }
        func column(_ c: Int, prefix: Int = .max) -> some Sequence<Double> {
            (0..<Swift.min(count, prefix)).lazy.map { values[$0 * width + c] }
        }
    }

    static func guessLabelColumn(rows: Rows, header: [String]?, width: Int) -> Int {
        if let header, let named = header.firstIndex(where: { ["label", "labels", "target", "class", "y"].contains($0.lowercased()) }) {
            return named
        }
        func isLabelLike(_ c: Int) -> Bool {
            rows.column(c).allSatisfy { $0 >= 0 && $0 < 256 && $0 == $0.rounded() } &&
                Set(rows.column(c)).count <= 256
        }
        func distinct(_ c: Int) -> Int { Set(rows.column(c, prefix: 10_000)).count }
        // sklearn-style files put the target last; MNIST-style CSVs first.
        let firstOK = isLabelLike(0), lastOK = isLabelLike(width - 1)
        if lastOK && !firstOK { return width - 1 }
        if firstOK && lastOK && distinct(0) <= 1 && distinct(width - 1) > 1 { return width - 1 }
        return 0
    }
}
