/// A labelled data set in a CSV file: one sample per line, one column the
/// class label (an integer 0...255, or a class name in every row), the
/// others the features.
///
/// Class names (``LabeledImages/classNames``) come from a text label column
/// (sorted, as scikit-learn's `LabelEncoder` numbers them) or from a
/// scikit-learn header line (`150,4,setosa,versicolor,virginica`).
///
/// The first line is a header when any of its fields is not a number.
/// Files may be gzipped (`.gz`). The features are kept as the floats the
/// file states (``table``: shape `[features]`, "N features"); training
/// standardizes them per column (``LabeledImages/standardized(by:)``).
/// ``images`` is the older byte form for pictures stored as CSV (such as
/// scikit-learn's 8×8 digits): each feature mapped linearly from [min, max]
/// of the whole file to 0...255; integer features already in 0...255 with
/// min 0 keep the scale 255/max (digits: v·255/16, rounded); a perfect
/// square of features becomes a 1×s×s image.
public struct CSVDataset: Sendable {
    public enum LabelColumn: Sendable, Equatable {
        case first, last
        case index(Int)
    }

    /// The samples as floats, unscaled (``LabeledImages/isTabular``).
    public let table: LabeledImages
    /// Column names when the file had a header.
    public let header: [String]?
    /// The range of all features.
    public let featureRange: ClosedRange<Double>
    /// True when every feature is an integer.
    let integerFeatures: Bool

    /// The features as bytes (see the type's summary): for pictures stored as CSV.
    public var images: LabeledImages {
        let n = table.samplePixels
        let lo = featureRange.lowerBound, hi = featureRange.upperBound
        // Non-negative integers up to 255 keep zero at zero.
        let offset = (integerFeatures && lo >= 0 && hi <= 255) ? 0 : lo
        let span = hi - offset
        let scale = span > 0 ? 255 / span : 0
        let pixels = table.features.map { v in UInt8(max(0, min(255, ((Double(v) - offset) * scale).rounded()))) }
        let side = Int(Double(n).squareRoot().rounded())
        let shape = side * side == n ? [1, side, side] : [n]
        var images = LabeledImages(pixels: pixels, labels: table.labels, sampleShape: shape, source: table.source)
        images.classNames = table.classNames
        return images
    }

    /// Reads and parses a CSV file, gzipped or not.
    ///
    /// A gzipped file is inflated and parsed piece by piece, never held as
    /// text; inflating beyond `Gzip.plausibleInflation(compressedBytes:cap:)`
    /// of ``FileSizeLimit/data`` is ``DataError/inflatesTooLarge(path:limit:declared:)``.
    /// At most ``FileSizeLimit/data``'s bytes / 4 values are parsed (the
    /// memory they take is then the data limit); from a gzip file at most
    /// `maxValuesPerCompressedByte` per byte of it.
    /// - Complexity: memory is the file's bytes plus 4 bytes per value (the
    ///   parsed floats, reshaped in place into the result).
    public static func read(path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        try read(path: path, labelColumn: labelColumn, limit: .data)
    }

    /// ``read(path:labelColumn:)`` under another limit: on the file, on what it
    /// inflates to, and on the parsed values (`limit.bytes / 8` of them).
    package static func read(path: String, labelColumn: LabelColumn?, limit: FileSizeLimit) throws -> CSVDataset {
        try dataset(parseFile(path: path, limit: limit), labelColumn: labelColumn)
    }

    /// Samples to classify from a CSV file, for a model of `featureCount`
    /// inputs: lines of `featureCount` numbers (no label; the labels read 0),
    /// or of `featureCount + 1` with a label column found as ``read(path:labelColumn:)``
    /// finds it. The features are unscaled, as in ``table``.
    public static func readSamples(path: String, featureCount: Int) throws -> LabeledImages {
        precondition(featureCount > 0, "a model has at least one input")
        let parsed = try parseFile(path: path, limit: .data)
        guard parsed.rows > 0 else { throw DataError.empty(path: path) }
        if parsed.width == featureCount + 1 { return try dataset(parsed, labelColumn: nil).table }
        guard parsed.width == featureCount else {
            throw DataError.unreadable(path: path, reason: "rows have \(parsed.width) columns; the model takes \(featureCount) features (or \(featureCount + 1) columns with a label)")
        }
        if let column = parsed.textColumn {
            throw DataError.unreadable(path: path, reason: "column \(column + 1) holds text; without a label column every one of the \(featureCount) features must be a number")
        }
        var unlabeled = parsed
        return LabeledImages(features: unlabeled.takeValues(), labels: [UInt8](repeating: 0, count: parsed.rows), featureCount: featureCount, source: path)
    }

    /// The numbers of a CSV file, gzipped or not, under `limit`.
    static func parseFile(path: String, limit: FileSizeLimit) throws -> CSVTable {
        let raw = try AtomicFile.read(path, limit: limit)
        let gzip = Gzip.isGzip(raw)
        // A gzip trailer states the size mod 2³²; trusted only up to a plausible ratio.
        let inflation = Gzip.plausibleInflation(compressedBytes: raw.count, cap: limit.bytes)
        // A gzip trailer states only the last member's size (mod 2³²): the
        // array is sized for the most the file may hold instead. That costs
        // address space, not memory (pages are touched as values arrive), and
        // spares the copy that growing by doubling makes (old and new at once).
        let expected = gzip ? inflation : raw.count
        var table = CSVTable(path: path, maxValues: limit.bytes / MemoryLayout<Float>.size, expectedBytes: expected)
        if gzip {
            let (scaled, overflow) = raw.count.multipliedReportingOverflow(by: maxValuesPerCompressedByte)
            let plausible = max(minimumPlausibleValues, overflow ? .max : scaled)
            if plausible < table.maxValues {
                table = CSVTable(path: path, maxValues: plausible, expectedBytes: expected)
                table.maxValuesReason = "\(maxValuesPerCompressedByte) per byte of a \(FileSizeLimit.format(bytes: raw.count)) gzip file (decompress it first if it is genuine)"
            }
        }
        if gzip {
            try Gzip.inflate(raw, path: path, limit: inflation) { try table.feed($0) }
        } else {
            try raw.withUnsafeBufferPointer { try table.feed($0) }
        }
        try table.finish()
        return table
    }

    /// The most values a gzip CSV file may hold per byte of its own. Real
    /// tables hold 1–2 (Fashion-MNIST's test set as CSV 1.4, scikit-learn's
    /// digits 2.0); rows of zeros reach 300, which only a bomb holds. The
    /// parsed floats of a gzip file thus cost at most 16 bytes per byte of
    /// it, so that `train` on a bomb peaks below twice what it does on real
    /// data of the bomb's size (measured with `/usr/bin/time -v`).
    static let maxValuesPerCompressedByte = 4
    /// Gzip files may always hold this many values (16 MB of floats).
    static let minimumPlausibleValues = 4 << 20

    /// Parses CSV bytes. Without `labelColumn`, the label is the column whose
    /// header says "label"/"target"/"class", else the last column when every
    /// value there is a small integer and the first is not, else the first.
    public static func parse(_ raw: [UInt8], path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        try dataset(CSVTable.parse(raw, path: path), labelColumn: labelColumn)
    }

    static func dataset(_ parsed: CSVTable, labelColumn: LabelColumn?) throws -> CSVDataset {
        var parsed = parsed
        let path = parsed.path, width = parsed.width, header = parsed.header, count = parsed.rows
        guard count > 0 else { throw DataError.empty(path: path) }
        guard width >= 2 else { throw DataError.unreadable(path: path, reason: "needs a label column and at least one feature column") }
        let textColumn = parsed.textColumn
        // Text labels numbered in sorted order: first appearance → rank.
        let names = textColumn.map { _ in parsed.texts.sorted() } ?? parsed.headerClassNames
        let rank = textColumn.map { _ in parsed.texts.map { names!.firstIndex(of: $0)! } }
        var values = parsed.takeValues()

        let labelIndex: Int
        switch labelColumn {
        case .first?: labelIndex = 0
        case .last?: labelIndex = width - 1
        case .index(let i)?:
            guard i >= 0 && i < width else { throw DataError.unreadable(path: path, reason: "label column \(i) does not exist (\(width) columns)") }
            labelIndex = i
        case nil:
            // scikit-learn's files put the target last.
            labelIndex = textColumn ?? (parsed.headerClassNames != nil ? width - 1 : nil) ?? guessLabelColumn(rows: Rows(values: values, width: width, count: count), header: header, width: width)
        }
        if let textColumn, textColumn != labelIndex {
            throw DataError.unreadable(path: path, reason: "column \(textColumn + 1) holds text, but the label column is \(labelIndex + 1) (only labels may be names)")
        }
        var labels = [UInt8](repeating: 0, count: count)
        var lo = Float.infinity, hi = -Float.infinity
        var allIntegers = true
        let features = width - 1
        // In place: row r's features move to r × features, never past where
        // the rows still to read lie (earlier rows end before r × width).
        var badLabel: (row: Int, value: Float)?
        values.withUnsafeMutableBufferPointer { v in
            var k = 0
            for r in 0..<count {
                var label = v[r * width + labelIndex]
                if let rank { label = Float(rank[Int(label)]) }
                guard label >= 0, label <= 255, label == label.rounded() else { badLabel = (r, label); return }
                labels[r] = UInt8(label)
                for c in 0..<width where c != labelIndex {
                    let x = v[r * width + c]
                    lo = min(lo, x); hi = max(hi, x)
                    if x != x.rounded() { allIntegers = false }
                    v[k] = x
                    k += 1
                }
            }
        }
        if let badLabel {
            throw DataError.unreadable(path: path, reason: "row \(badLabel.row + 1): label \(badLabel.value) is not an integer in 0...255")
        }
        values.removeLast(count)
        var table = LabeledImages(features: values, labels: labels, featureCount: features, source: path)
        if let names {
            if let index = labels.firstIndex(where: { Int($0) >= names.count }) {
                throw DataError.unreadable(path: path, reason: "row \(index + 1): label \(labels[index]), but the header names \(names.count) classes")
            }
            table.classNames = names
        }
        return CSVDataset(table: table, header: header, featureRange: Double(lo)...Double(hi), integerFeatures: allIntegers)
    }

    /// The parsed values seen as rows.
    struct Rows {
        let values: [Float]
        let width: Int
        let count: Int
        subscript(row: Int, column: Int) -> Float { values[row * width + column] }
        func column(_ c: Int, prefix: Int = .max) -> some Sequence<Float> {
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
