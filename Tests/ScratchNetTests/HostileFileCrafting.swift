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
}
