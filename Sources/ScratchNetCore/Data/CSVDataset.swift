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

    /// Reads and parses a CSV file.
    public static func read(path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        var raw = try AtomicFile.read(path)
        if Gzip.isGzip(raw) { raw = try Gzip.decompress(raw, path: path) }
        return try parse(raw, path: path, labelColumn: labelColumn)
    }

    /// Parses CSV bytes. Without `labelColumn`, the label is the column whose
    /// header says "label"/"target"/"class", else the last column when every
    /// value there is a small integer and the first is not, else the first.
    public static func parse(_ raw: [UInt8], path: String, labelColumn: LabelColumn? = nil) throws -> CSVDataset {
        var rows: [[Double]] = []
        var header: [String]? = nil
        var lineNumber = 0
        var width = -1
        for lineBytes in raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(decoding: lineBytes, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.csvTrimmingSpaces().isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).csvTrimmingSpaces() }
            let numbers = fields.map { Double($0) }
            if rows.isEmpty && header == nil && numbers.contains(where: { $0 == nil }) {
                header = fields.map { $0.csvTrimmingQuotes() }
                width = fields.count
                continue
            }
            if width < 0 { width = fields.count }
            guard fields.count == width else {
                throw DataError.unreadable(path: path, reason: "line \(lineNumber) has \(fields.count) fields, expected \(width)")
            }
            if let bad = numbers.firstIndex(where: { $0 == nil || !$0!.isFinite }) {
                throw DataError.unreadable(path: path, reason: "line \(lineNumber), column \(bad + 1): '\(fields[bad])' is not a number")
            }
            rows.append(numbers.map { $0! })
        }
        guard !rows.isEmpty else { throw DataError.empty(path: path) }
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
        for (r, row) in rows.enumerated() {
            let label = row[labelIndex]
            guard label >= 0, label <= 255, label == label.rounded() else {
                throw DataError.unreadable(path: path, reason: "row \(r + 1): label \(label) is not an integer in 0...255")
            }
            labels.append(UInt8(label))
            for (c, v) in row.enumerated() where c != labelIndex {
                lo = min(lo, v); hi = max(hi, v)
                if v != v.rounded() { allIntegers = false }
            }
        }
        let features = width - 1
        // Non-negative integers up to 255 keep zero at zero.
        let offset = (allIntegers && lo >= 0 && hi <= 255) ? 0 : lo
        let span = hi - offset
        let scale = span > 0 ? 255 / span : 0
        var pixels = [UInt8](repeating: 0, count: rows.count * features)
        for (r, row) in rows.enumerated() {
            var k = r * features
            for (c, v) in row.enumerated() where c != labelIndex {
                pixels[k] = UInt8(max(0, min(255, ((v - offset) * scale).rounded())))
                k += 1
            }
        }
        let side = Int(Double(features).squareRoot().rounded())
        let shape = side * side == features ? [1, side, side] : [features]
        return CSVDataset(images: LabeledImages(pixels: pixels, labels: labels, sampleShape: shape, source: path),
                          header: header, featureRange: lo...hi)
    }

    static func guessLabelColumn(rows: [[Double]], header: [String]?, width: Int) -> Int {
        if let header, let named = header.firstIndex(where: { ["label", "labels", "target", "class", "y"].contains($0.lowercased()) }) {
            return named
        }
        func isLabelLike(_ c: Int) -> Bool {
            rows.allSatisfy { $0[c] >= 0 && $0[c] < 256 && $0[c] == $0[c].rounded() } &&
                Set(rows.map { $0[c] }).count <= 256
        }
        func distinct(_ c: Int) -> Int { Set(rows.prefix(10_000).map { $0[c] }).count }
        // sklearn-style files put the target last; MNIST-style CSVs first.
        let firstOK = isLabelLike(0), lastOK = isLabelLike(width - 1)
        if lastOK && !firstOK { return width - 1 }
        if firstOK && lastOK && distinct(0) <= 1 && distinct(width - 1) > 1 { return width - 1 }
        return 0
    }
}

extension String {
    fileprivate func csvTrimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

    fileprivate func csvTrimmingQuotes() -> String {
        var s = Substring(self)
        while s.first == "\"" { s.removeFirst() }
        while s.last == "\"" { s.removeLast() }
        return String(s)
    }
}
