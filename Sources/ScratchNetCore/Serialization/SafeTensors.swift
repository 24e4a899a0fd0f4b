/// The element types a safetensors file may declare.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3: return 1
        case .I16, .U16, .F16, .BF16: return 2
        case .I32, .U32, .F32: return 4
        case .F64, .I64, .U64: return 8
        }
    }
}

/// A parsed safetensors file: a JSON header describing named tensors, then
/// their little-endian bytes, back to back.
///
/// Layout: an 8-byte little-endian header length N; N bytes of JSON (padded
/// with spaces to a multiple of 8) mapping each tensor name to `dtype`,
/// `shape` and `data_offsets` [begin, end) relative to the end of the header,
/// plus an optional `__metadata__` object of string values; then the data.
/// Parsing checks everything the format promises — the tensors cover the
/// data exactly, with no gaps, overlaps or trailing bytes — so that nothing
/// later can read out of bounds. It is the format Hugging Face's
/// `safetensors` package reads into numpy and PyTorch.
public struct SafeTensors: Sendable {
    public struct TensorInfo: Equatable, Sendable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range of the tensor's data within the whole file.
        public let byteRange: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// A header larger than this is refused (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    /// The tensors in the order of their data.
    public let tensors: [TensorInfo]
    public let bytes: [UInt8]

    /// Reads and parses the file at `path`, at most ``FileSizeLimit/model`` bytes.
    public static func read(path: String) throws -> SafeTensors {
        try SafeTensors(parsing: try AtomicFile.read(path, limit: .model), path: path)
    }

    /// Parses safetensors bytes; `path` names the source in errors.
    public init(parsing bytes: [UInt8], path: String) throws {
        func fail(_ kind: SerializationError.Kind, _ message: String) -> SerializationError {
            SerializationError(kind, path: path, message)
        }
        guard bytes.count >= 8 else {
            throw fail(.truncatedFile, "not a safetensors file: \(bytes.count) bytes is shorter than the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(bytes.count - 8) else {
            throw fail(.headerLengthTooLarge, "safetensors header length \(length) is larger than the file (\(bytes.count) bytes)")
        }
        guard length <= UInt64(Self.maxHeaderBytes) else {
            throw fail(.invalidHeader, "safetensors header length \(length) exceeds the \(Self.maxHeaderBytes)-byte limit")
        }
        let dataStart = 8 + Int(length)
        let header: JSONValue
        do {
            header = try JSONValue.parse(bytes[8..<dataStart])
        } catch let error as JSONError {
            throw fail(.invalidHeader, "safetensors header is not valid JSON: \(error)")
        }
        guard case .object(let members) = header else {
            throw fail(.invalidHeader, "safetensors header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        for (name, entry) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = entry else {
                    throw fail(.invalidHeader, "__metadata__ is not a JSON object")
                }
                for (key, value) in pairs {
                    guard case .string(let text) = value else {
                        throw fail(.invalidHeader, "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors.append(try Self.tensorInfo(name: name, entry: entry, dataStart: dataStart, path: path, fail: fail))
        }
        // The tensors must tile the data section exactly.
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        var end = dataStart
        var previous: String?
        for t in tensors {
            let begin = t.byteRange.lowerBound
            if begin > end {
                throw fail(.gapBetweenTensors, "tensor '\(t.name)' starts at data offset \(begin - dataStart) but "
                    + (previous.map { "'\($0)' ends at \(end - dataStart)" } ?? "the data starts at 0")
                    + " (gap: tensors must be contiguous)")
            }
            if begin < end {
                throw fail(.overlappingTensors, "tensor '\(t.name)' starts at data offset \(begin - dataStart) inside '\(previous ?? "")', which ends at \(end - dataStart) (tensors overlap)")
            }
            end = t.byteRange.upperBound
            previous = t.name
        }
        if end > bytes.count {
            throw fail(.truncatedData, "tensor '\(previous ?? "")' ends at data offset \(end - dataStart) but the file holds \(bytes.count - dataStart) bytes of data (truncated file)")
        }
        if end < bytes.count {
            throw fail(.trailingBytes, "\(bytes.count - end) trailing bytes after the last tensor (data ends at offset \(end - dataStart), file holds \(bytes.count - dataStart))")
        }
        self.path = path
        self.metadata = metadata
        self.tensors = tensors
        self.bytes = bytes
    }

    private static func tensorInfo(name: String, entry: JSONValue, dataStart: Int, path: String,
                                   fail: (SerializationError.Kind, String) -> SerializationError) throws -> TensorInfo {
        guard case .object = entry else { throw fail(.invalidHeader, "tensor '\(name)': entry is not a JSON object") }
        guard case .string(let dtypeText)? = entry["dtype"] else {
            throw fail(.invalidHeader, "tensor '\(name)': missing \"dtype\" string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw fail(.unknownDType, "tensor '\(name)' has unknown dtype '\(dtypeText)'")
        }
        guard case .array(let dims)? = entry["shape"] else {
            throw fail(.invalidHeader, "tensor '\(name)': missing \"shape\" array")
        }
        var shape: [Int] = []
        for d in dims {
            guard let n = d.exactInt else {
                throw fail(.invalidHeader, "tensor '\(name)': shape entries must be non-negative integers, got \(d.serialized)")
            }
            shape.append(n)
        }
        // No tensor can hold more bytes than a model file may have.
        let needed: Int
        do {
            needed = try CheckedSize.product(shape + [dtype.size], field: "tensor '\(name)' shape \(shape) of \(dtype.rawValue) in bytes",
                                             source: path, limit: FileSizeLimit.model.bytes)
        } catch let error as SizeOverflow {
            throw fail(.shapeOffsetMismatch, "tensor '\(name)': shape \(shape) of \(dtype.rawValue) needs more than the \(FileSizeLimit.format(bytes: error.limit)) a model file may hold")
        }
        guard case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
              let begin = offsets[0].exactInt, let end = offsets[1].exactInt else {
            throw fail(.invalidHeader, "tensor '\(name)': \"data_offsets\" must be two non-negative integers")
        }
        guard begin <= end, end <= Int.max - dataStart else {
            throw fail(.invalidHeader, "tensor '\(name)': data_offsets [\(begin), \(end)] are not an increasing range")
        }
        guard end - begin == needed else {
            throw fail(.shapeOffsetMismatch, "tensor '\(name)': shape \(shape) of \(dtype.rawValue) needs \(needed) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: (dataStart + begin)..<(dataStart + end))
    }

    /// The tensor named `name`, if present.
    public func info(_ name: String) -> TensorInfo? {
        tensors.first { $0.name == name }
    }

    /// The tensor `name`, which must exist with `dtype` (and `shape`, when given).
    public func require(_ name: String, dtype: SafeTensorsDType, shape: [Int]? = nil, purpose: String = "") throws -> TensorInfo {
        guard let t = info(name) else {
            throw SerializationError(.missingTensor, path: path, "no tensor '\(name)'\(purpose.isEmpty ? "" : " (\(purpose))")")
        }
        guard t.dtype == dtype else {
            throw SerializationError(.wrongDType, path: path, "tensor '\(name)' is \(t.dtype.rawValue), expected \(dtype.rawValue)")
        }
        if let shape, t.shape != shape {
            throw SerializationError(.wrongShape, path: path, "tensor '\(name)' has shape \(t.shape), expected \(shape)\(purpose.isEmpty ? "" : " (\(purpose))")")
        }
        return t
    }

    /// Copies an F32 tensor into `tensor`; its shape must equal `tensor`'s.
    public func copy(_ name: String, into tensor: Tensor, purpose: String = "") throws {
        let t = try require(name, dtype: .F32, shape: tensor.shape.dims, purpose: purpose)
        bytes.withUnsafeBufferPointer { raw in
            let base = raw.baseAddress! + t.byteRange.lowerBound
            for i in 0..<t.elementCount {
                let p = base + 4 * i
                let bits = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
                tensor.pointer[i] = Float(bitPattern: bits)
            }
        }
    }

    /// An F32 tensor's values.
    public func floats(_ name: String) throws -> [Float] {
        let t = try require(name, dtype: .F32)
        return (0..<t.elementCount).map { Float(bitPattern: UInt32(truncatingIfNeeded: littleEndian(t, $0, 4))) }
    }

    /// A U64 tensor's values.
    public func uint64s(_ name: String) throws -> [UInt64] {
        let t = try require(name, dtype: .U64)
        return (0..<t.elementCount).map { littleEndian(t, $0, 8) }
    }

    /// An I32 tensor's values.
    public func int32s(_ name: String) throws -> [Int32] {
        let t = try require(name, dtype: .I32)
        return (0..<t.elementCount).map { Int32(bitPattern: UInt32(truncatingIfNeeded: littleEndian(t, $0, 4))) }
    }

    private func littleEndian(_ t: TensorInfo, _ index: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        let start = t.byteRange.lowerBound + index * width
        for k in 0..<width { value |= UInt64(bytes[start + k]) << (8 * UInt64(k)) }
        return value
    }
}

/// Builds a safetensors file: tensors in the order they are added, the
/// metadata first in the header, the header space-padded to 8 bytes.
public struct SafeTensorsWriter {
    public var metadata: [String: String] = [:]
    private var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], range: Range<Int>)] = []
    private var data: [UInt8] = []

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds raw little-endian bytes; their count must match shape and dtype.
    public mutating func add(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(name != "__metadata__", "SafeTensorsWriter: reserved name")
        precondition(!entries.contains { $0.name == name }, "SafeTensorsWriter: duplicate tensor '\(name)'")
        precondition(shape.reduce(1, *) * dtype.size == bytes.count, "SafeTensorsWriter: '\(name)' shape \(shape) does not hold \(bytes.count) bytes")
        entries.append((name, dtype, shape, data.count..<(data.count + bytes.count)))
        data += bytes
    }

    /// Adds a float tensor as F32 with its own shape (or `shape`).
    public mutating func add(_ name: String, tensor: Tensor, shape: [Int]? = nil) {
        var bytes = [UInt8](repeating: 0, count: tensor.count * 4)
        for i in 0..<tensor.count {
            let bits = tensor.pointer[i].bitPattern
            for k in 0..<4 { bytes[4 * i + k] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k))) }
        }
        add(name, dtype: .F32, shape: shape ?? tensor.shape.dims, bytes: bytes)
    }

    public mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * 4)
        for f in floats { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: f.bitPattern >> (8 * UInt32(k)))) } }
        add(name, dtype: .F32, shape: shape, bytes: bytes)
    }

    public mutating func add(_ name: String, uint64s: [UInt64]) {
        var bytes: [UInt8] = []
        for v in uint64s { for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        add(name, dtype: .U64, shape: [uint64s.count], bytes: bytes)
    }

    public mutating func add(_ name: String, int32s: [Int32]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(int32s.count * 4)
        for v in int32s { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * Int32(k)))) } }
        add(name, dtype: .I32, shape: [int32s.count], bytes: bytes)
    }

    /// The whole file.
    public func encoded() -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        for e in entries {
            members.append((e.name, .object([
                ("dtype", .string(e.dtype.rawValue)),
                ("shape", .array(e.shape.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(e.range.lowerBound)), .number(String(e.range.upperBound))])),
            ])))
        }
        var header = Array(JSONValue.object(members).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + data.count)
        let n = UInt64(header.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        out += header
        out += data
        return out
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path)
    }
}
