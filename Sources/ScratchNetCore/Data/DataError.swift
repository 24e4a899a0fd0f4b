/// Why a data file could not be used. Every message names the file.
public enum DataError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case wrongMagic(path: String, found: [UInt8])
    case unsupportedElementType(path: String, code: UInt8)
    case truncatedHeader(path: String, bytes: Int, needed: Int)
    case truncatedData(path: String, expected: Int, actual: Int)
    case trailingData(path: String, expected: Int, actual: Int)
    case sizeOverflow(path: String, dims: [Int])
    case notGzip(path: String)
    case corruptGzip(path: String, reason: String)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case wrongRank(path: String, expected: String, dims: [Int])
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
    case empty(path: String)
    /// A FIFO, device, socket or directory given where a file's contents are read.
    case notRegularFile(path: String, kind: String)
    /// A file larger than the limit for its kind (see ``FileSizeLimit``).
    case fileTooLarge(path: String, bytes: Int, limit: FileSizeLimit)
    /// Compressed data that inflates beyond what its header declares or beyond a stated limit.
    case inflatesTooLarge(path: String, limit: Int, declared: Bool)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file"
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .wrongMagic(path, found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(path): not an IDX file (magic bytes \(hex); expected 00 00 <type> <rank>)"
        case let .unsupportedElementType(path, code):
            return "\(path): IDX element type 0x\(String(code, radix: 16)) is not supported (only 0x08, unsigned bytes)"
        case let .truncatedHeader(path, bytes, needed):
            return "\(path): truncated IDX header (\(bytes) bytes, needs \(needed))"
        case let .truncatedData(path, expected, actual):
            return "\(path): truncated IDX data: header promises \(expected) bytes of data, file holds \(actual)"
        case let .trailingData(path, expected, actual):
            return "\(path): IDX data is \(actual) bytes, header says \(expected): the file is not what its header describes"
        case let .sizeOverflow(path, dims):
            return "\(path): IDX dimensions \(dims) declare more than the \(FileSizeLimit.format(bytes: FileSizeLimit.data.bytes)) limit for \(FileSizeLimit.data.kind)"
        case let .notGzip(path):
            return "\(path): named .gz but is not gzip data"
        case let .corruptGzip(path, reason):
            return "\(path): corrupt gzip data: \(reason)"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels"
        case let .wrongRank(path, expected, dims):
            return "\(path): expected \(expected), got dimensions \(dims)"
        case let .labelOutOfRange(path, index, label, classes):
            return "\(path): label \(label) at index \(index) is not a class of this network (0..<\(classes))"
        case let .empty(path):
            return "\(path): holds no samples"
        case let .notRegularFile(path, kind):
            return "\(path) is not a regular file (\(kind))"
        case let .fileTooLarge(path, bytes, limit):
            return "\(path) is \(FileSizeLimit.format(bytes: bytes)); the limit for \(limit.kind) is \(FileSizeLimit.format(bytes: limit.bytes))"
        case let .inflatesTooLarge(path, limit, declared):
            return declared
                ? "\(path): gzip data inflates beyond the \(limit) bytes its header declares"
                : "\(path): gzip data inflates beyond the limit of \(FileSizeLimit.format(bytes: limit))"
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
