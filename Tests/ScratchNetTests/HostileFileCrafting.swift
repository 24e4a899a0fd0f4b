import Foundation
import ScratchNet

/// Rewrites of real model and checkpoint files into hostile ones: the same
/// tensors, with metadata or tensor bytes replaced, as an attacker's editor
/// would leave them.
enum HostileFileCrafting {
    /// `file` written again with `metadata` changed by `edit` and each
    /// tensor's bytes by `tensors` (name → new bytes, same length).
    static func rewrite(_ file: SafeTensors, to path: String,
                        metadata edit: (inout [String: String]) -> Void = { _ in },
                        tensors: [String: [UInt8]] = [:]) throws {
        var metadata = file.metadata
        edit(&metadata)
        var writer = SafeTensorsWriter(metadata: metadata)
        for t in file.tensors {
            let bytes = tensors[t.name] ?? Array(file.bytes[t.byteRange])
            writer.add(t.name, dtype: t.dtype, shape: t.shape, bytes: bytes)
        }
        try writer.write(to: path)
    }

    /// The spec JSON of `file` with the first convolution's padding set to `padding`.
    static func specWithConvPadding(_ file: SafeTensors, padding: Int) throws -> String {
        let json = try need(file.metadata[ModelFile.specKey])
        var spec = try JSONDecoder().decode(NetworkSpec.self, from: Data(json.utf8))
        let index = try need(spec.layers.firstIndex { if case .conv2d = $0 { return true } else { return false } })
        guard case let .conv2d(filters, kernel, stride, _) = spec.layers[index] else { fatalError() }
        spec.layers[index] = LayerSpec.conv2d(filters: filters, kernel: kernel, stride: stride, padding: padding)
        return String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
    }

    /// Little-endian bytes of floats.
    static func bytes(_ floats: [Float]) -> [UInt8] {
        floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
    }

    /// Little-endian bytes of words.
    static func bytes(_ words: [UInt64]) -> [UInt8] {
        words.flatMap { w in withUnsafeBytes(of: w.littleEndian) { Array($0) } }
    }

    struct Missing: Error {}
    static func need<T>(_ value: T?) throws -> T {
        guard let value else { throw Missing() }
        return value
    }

    /// A gzip CSV bomb: a header, then valid rows `0,0,…,0` of `columns`
    /// fields for `megabytes` MB of text, from one 1 MB member repeated
    /// (concatenated members are one stream). About 1 KB per MB inflated.
    static func csvBomb(megabytes: Int, columns: Int = 64) -> [UInt8] {
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",") + "\n"
        let row = Array(repeating: "0", count: columns).joined(separator: ",") + "\n"
        let member = Gzip.compress([UInt8](String(repeating: row, count: (1 << 20) / row.utf8.count).utf8), level: 9)
        var bomb = Gzip.compress([UInt8](header.utf8))
        for _ in 0..<megabytes { bomb += member }
        return bomb
    }

    /// A gzip IDX image-file bomb: a header declaring `count` 28×28 images
    /// (as much as the data limit allows), then zeros for `megabytes` MB.
    static func idxBomb(count: Int, megabytes: Int) -> [UInt8] {
        let header: [UInt8] = [0, 0, 8, 3] + [UInt32(count), 28, 28].flatMap { d in withUnsafeBytes(of: d.bigEndian) { Array($0) } }
        let zeros = Gzip.compress([UInt8](repeating: 0, count: 1 << 20), level: 9)
        var bomb = Gzip.compress(header)
        for _ in 0..<megabytes { bomb += zeros }
        return bomb
    }
}
