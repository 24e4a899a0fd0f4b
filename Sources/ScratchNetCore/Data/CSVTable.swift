/// The numbers of a CSV file, parsed line by line as its bytes arrive.
///
/// Memory is the parsed values (one `Float` each, 4 bytes, in one flat array), the
/// header's names and the one line being assembled: no string per line and
/// no array per row, so a gzipped CSV can be inflated and parsed piece by
/// piece without ever holding its text. The first non-blank line is a header
/// when two or more of its fields (or its only one) are not numbers;
/// scikit-learn's bundled files state `n_samples,n_features,class names…`
/// there instead (``headerClassNames``). Blank lines are skipped; every
/// other line must have the same number of fields, all finite numbers but in
/// one column that may hold text in every row: class names as labels
/// (``textColumn``), stored as the index of each name's first appearance.
struct CSVTable {
    let path: String
    /// Column names when the file had a header.
    private(set) var header: [String]? = nil
    /// Fields per line; -1 until the first line.
    private(set) var width = -1
    /// Row-major values: row r, column c is `values[r * width + c]`.
    private(set) var values: [Float] = []
    private(set) var rows = 0
    /// The class names of a scikit-learn header line.
    private(set) var headerClassNames: [String]? = nil
    /// The column whose fields are text (set by the first data row), and
    /// its distinct texts in order of first appearance.
    private(set) var textColumn: Int? = nil
    private(set) var texts: [String] = []
    private var textIndex: [String: Int] = [:]
    /// Labels are bytes: at most this many distinct names.
    static let maxTextLabels = 256
    /// The longest class name kept: a model file's limit
    /// (`ModelFile.maximumClassNameLength`), stated here so that the parser
    /// stands alone (the CSV fuzzer builds it without the model files).
    static let maxTextLabelLength = 200

    /// A line longer than this is refused rather than buffered (a file
    /// without newlines would otherwise be held whole).
    static let maxLineBytes = 16 << 20

    private var lineNumber = 0
    private var pending: [UInt8] = []
    private var fieldBounds: [Range<Int>] = []

    /// More values than this are refused (their memory is the limit's concern).
    let maxValues: Int
    /// Why ``maxValues`` is what it is, for the message.
    var maxValuesReason = "the most a data file may hold"

    /// About how many bytes of text the file holds (0: unknown). After the
    /// first row it sizes the value array once, instead of growing it by
    /// doubling (which holds the old and the new array at once).
    let expectedBytes: Int

    init(path: String, maxValues: Int = FileSizeLimit.data.bytes / MemoryLayout<Float>.size, expectedBytes: Int = 0) {
        self.path = path
        self.maxValues = maxValues
        self.expectedBytes = expectedBytes
    }

    /// Hands the parsed values over (leaving the table empty), so that the
    /// caller can reshape them in place instead of copying.
    mutating func takeValues() -> [Float] {
        defer { values = [] }
        return values
    }

    /// Parses `bytes` as a whole file.
    static func parse(_ bytes: [UInt8], path: String) throws -> CSVTable {
        var table = CSVTable(path: path, expectedBytes: bytes.count)
        try bytes.withUnsafeBufferPointer { try table.feed($0) }
        try table.finish()
        return table
    }

    /// Consumes the next piece of the file; lines may span pieces.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                try hold(UnsafeBufferPointer(rebasing: bytes[start...]))
                return
            }
            if pending.isEmpty {
                try parseLine(UnsafeBufferPointer(rebasing: bytes[start..<newline]))
            } else {
                try hold(UnsafeBufferPointer(rebasing: bytes[start..<newline]))
                try pending.withUnsafeBufferPointer { try parseLine($0) }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
    }

    /// Parses a last line without a newline.
    mutating func finish() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBufferPointer { try parseLine($0) }
        pending.removeAll()
    }

    private mutating func hold(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard pending.count + bytes.count <= Self.maxLineBytes else {
            throw DataError.unreadable(path: path, reason: "line \(lineNumber + 1) is longer than \(FileSizeLimit.format(bytes: Self.maxLineBytes))")
        }
        pending.append(contentsOf: bytes)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The field `bounds` of `line` without surrounding spaces and tabs.
    private static func trimmed(_ line: UnsafeBufferPointer<UInt8>, _ bounds: Range<Int>) -> Range<Int> {
        var lo = bounds.lowerBound, hi = bounds.upperBound
        while lo < hi, isSpace(line[lo]) { lo += 1 }
        while hi > lo, isSpace(line[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    private static func number(_ line: UnsafeBufferPointer<UInt8>, _ bounds: Range<Int>) -> Float? {
        // Fields of up to 15 bytes are small strings: no allocation.
        Float(String(decoding: UnsafeBufferPointer(rebasing: line[bounds]), as: UTF8.self))
    }

    private static func text(_ line: UnsafeBufferPointer<UInt8>, _ bounds: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[bounds]), as: UTF8.self)
    }

    private mutating func parseLine(_ raw: UnsafeBufferPointer<UInt8>) throws {
        lineNumber += 1
        var end = raw.count
        if end > 0 && raw[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: raw[0..<end])
        if Self.trimmed(line, 0..<line.count).isEmpty { return }
        fieldBounds.removeAll(keepingCapacity: true)
        var fieldStart = 0
        for i in 0..<line.count where line[i] == UInt8(ascii: ",") {
            fieldBounds.append(Self.trimmed(line, fieldStart..<i))
            fieldStart = i + 1
        }
        fieldBounds.append(Self.trimmed(line, fieldStart..<line.count))

        if rows == 0 && header == nil && headerClassNames == nil {
            let textual = fieldBounds.indices.filter { Self.number(line, fieldBounds[$0]) == nil }
            if textual.count >= 2 || textual.count == fieldBounds.count {
                let names = fieldBounds.map { Self.text(line, $0).csvTrimmingQuotes() }
                if fieldBounds.count >= 3, textual == Array(2..<fieldBounds.count),
                   let samples = Int(names[0]), let features = Int(names[1]), samples >= 0, features >= 1 {
                    headerClassNames = Array(names[2...])
                } else {
                    header = names
                    width = fieldBounds.count
                }
                return
            }
        }
        if width < 0 { width = fieldBounds.count }
        guard fieldBounds.count == width else {
            throw DataError.unreadable(path: path, reason: "line \(lineNumber) has \(fieldBounds.count) fields, expected \(width)")
        }
        guard values.count <= maxValues - width else {
            throw DataError.unreadable(path: path, reason: "line \(lineNumber): more than \(maxValues) values, \(maxValuesReason)")
        }
        let rowStart = values.count
        for (column, bounds) in fieldBounds.enumerated() {
            if column == textColumn || (rows == 0 && textColumn == nil && Self.number(line, bounds) == nil && !bounds.isEmpty) {
                do {
                    values.append(Float(try textLabel(Self.text(line, bounds).csvTrimmingQuotes(), column: column)))
                } catch {
                    values.removeSubrange(rowStart...)
                    throw error
                }
                continue
            }
            guard let v = Self.number(line, bounds), v.isFinite else {
                values.removeSubrange(rowStart...)
                let holds = textColumn.map { " (only column \($0 + 1) holds text)" } ?? ""
                throw DataError.unreadable(path: path, reason: "line \(lineNumber), column \(column + 1): '\(Self.text(line, bounds))' is not a number\(holds)")
            }
            values.append(v)
        }
        rows += 1
        if rows == 1 && expectedBytes > 0 {
            // Rows like this one, plus 5% for longer numbers further on.
            let estimate = Double(expectedBytes) / Double(raw.count + 1) * 1.05 * Double(width)
            values.reserveCapacity(Int(min(estimate, Double(maxValues))) + width)
        }
    }
}

extension CSVTable {
    /// The index of `name` in ``texts`` (added when new), `column` becoming
    /// the text column.
    private mutating func textLabel(_ name: String, column: Int) throws -> Int {
        textColumn = column
        if let index = textIndex[name] { return index }
        guard !name.isEmpty, name.count <= Self.maxTextLabelLength else {
            throw DataError.unreadable(path: path, reason: "line \(lineNumber), column \(column + 1): a class name must be 1 to \(Self.maxTextLabelLength) characters")
        }
        guard texts.count < Self.maxTextLabels else {
            throw DataError.unreadable(path: path, reason: "line \(lineNumber), column \(column + 1): more than \(Self.maxTextLabels) distinct class names")
        }
        textIndex[name] = texts.count
        texts.append(name)
        return texts.count - 1
    }
}

extension String {
    fileprivate func csvTrimmingQuotes() -> String {
        var s = Substring(self)
        while s.first == "\"" { s.removeFirst() }
        while s.last == "\"" { s.removeLast() }
        return String(s)
    }
}
