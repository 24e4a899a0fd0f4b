/// libFuzzer entry point for the CSV reader: plain bytes go to the line
/// parser whole and split at an input-chosen point (lines spanning pieces);
/// gzip bytes are inflated under a small limit piece by piece, as
/// `CSVDataset.read` does. Any input must parse or throw a DataError, never
/// crash, hang or grow past its limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func check(_ table: CSVTable) {
        precondition(table.values.count == table.rows * max(table.width, 0))
        precondition(table.values.allSatisfy { $0.isFinite })
    }
    if Gzip.isGzip(bytes) {
        var table = CSVTable(path: "fuzz", maxValues: 1 << 16)
        if (try? Gzip.inflate(bytes, path: "fuzz", limit: 1 << 20, consume: { try table.feed($0) })) != nil,
           (try? table.finish()) != nil {
            check(table)
        }
        return 0
    }
    let whole = try? CSVTable.parse(bytes, path: "fuzz")
    if let whole { check(whole) }
    // The same bytes in two pieces must give the same table.
    let cut = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    var pieces = CSVTable(path: "fuzz")
    let split: CSVTable? = bytes.withUnsafeBufferPointer { all in
        do {
            try pieces.feed(UnsafeBufferPointer(rebasing: all[0..<cut]))
            try pieces.feed(UnsafeBufferPointer(rebasing: all[cut...]))
            try pieces.finish()
            return pieces
        } catch { return nil }
    }
    precondition((whole == nil) == (split == nil))
    if let whole, let split {
        precondition(whole.values == split.values && whole.header == split.header && whole.width == split.width)
    }
    return 0
}
