import Testing
import ScratchNet
import ScratchNetTestSupport

/// The safetensors reader refuses every malformed file with one line that
/// says what is wrong, and the writer's files read back exactly.
@Suite("safetensors format")
struct SafeTensorsTests {
    /// A file from a literal header and `dataBytes` zero bytes of data.
    static func file(header: String, dataBytes: Int, pad: Bool = true) -> [UInt8] {
        var h = Array(header.utf8)
        if pad { while h.count % 8 != 0 { h.append(0x20) } }
        let n = UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + [UInt8](repeating: 0, count: dataBytes)
    }

    static func message(_ bytes: [UInt8]) -> String? {
        do {
            _ = try SafeTensors(parsing: bytes, path: "m.safetensors")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func writtenFileReadsBackExactlyWithMetadataAndPadding() throws {
        let values: [Float] = [1, -2.5, .pi, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var writer = SafeTensorsWriter(metadata: ["note": "hello \"quoted\"\n", "scratchnet.format": "1"])
        writer.add("a", floats: values, shape: [2, 3])
        writer.add("b", uint64s: [0, 1, .max, 0x0123_4567_89AB_CDEF])
        writer.add("c", int32s: [-1, 7, .min])
        writer.add("empty", floats: [], shape: [0, 4])
        let bytes = writer.encoded()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 24 + 32 + 12)
        let file = try SafeTensors(parsing: bytes, path: "x")
        #expect(file.metadata == ["note": "hello \"quoted\"\n", "scratchnet.format": "1"])
        #expect(try file.floats("a").map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try file.uint64s("b") == [0, 1, .max, 0x0123_4567_89AB_CDEF])
        #expect(try file.int32s("c") == [-1, 7, .min])
        #expect(file.info("a")?.shape == [2, 3])
        #expect(file.info("empty")?.shape == [0, 4])
    }

    @Test func truncatedFileIsRefused() {
        #expect(Self.message([1, 0, 0]) == "m.safetensors: not a safetensors file: 3 bytes is shorter than the 8-byte header length")
    }

    @Test func headerLengthLargerThanFileIsRefused() {
        var bytes = Self.file(header: "{}", dataBytes: 0)
        bytes[0] = 200
        #expect(Self.message(bytes) == "m.safetensors: safetensors header length 200 is larger than the file (16 bytes)")
        var huge = bytes
        for i in 0..<8 { huge[i] = 0xFF }
        #expect(Self.message(huge) == "m.safetensors: safetensors header length 18446744073709551615 is larger than the file (16 bytes)")
    }

    @Test func invalidJSONIsRefusedWithItsPosition() {
        #expect(Self.message(Self.file(header: #"{"a": {"dtype": "F32",}}"#, dataBytes: 0))
                == "m.safetensors: safetensors header is not valid JSON: invalid JSON at byte 22: expected a string key")
        #expect(Self.message(Self.file(header: #"{"a":1, "a":2}"#, dataBytes: 0))
                == "m.safetensors: safetensors header is not valid JSON: invalid JSON at byte 8: duplicate key \"a\"")
        #expect(Self.message(Self.file(header: String(repeating: "[", count: 100_000), dataBytes: 0))
                == "m.safetensors: safetensors header is not valid JSON: invalid JSON at byte 64: nested deeper than 64 levels")
        #expect(Self.message(Self.file(header: "[1]", dataBytes: 0)) == "m.safetensors: safetensors header is not a JSON object")
    }

    @Test func unknownDTypeIsRefused() {
        let bytes = Self.file(header: #"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4)
        #expect(Self.message(bytes) == "m.safetensors: tensor 'w' has unknown dtype 'F33'")
    }

    @Test func shapeThatDoesNotMatchOffsetsIsRefused() {
        let bytes = Self.file(header: #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, dataBytes: 20)
        #expect(Self.message(bytes) == "m.safetensors: tensor 'w': shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] hold 20")
        let negative = Self.file(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4)
        #expect(Self.message(negative) == "m.safetensors: tensor 'w': shape entries must be non-negative integers, got -1")
        let backwards = Self.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, dataBytes: 8)
        #expect(Self.message(backwards) == "m.safetensors: tensor 'w': data_offsets [8, 4] are not an increasing range")
    }

    @Test func overlappingOffsetsAreRefused() {
        let bytes = Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12)
        #expect(Self.message(bytes) == "m.safetensors: tensor 'b' starts at data offset 4 inside 'a', which ends at 8 (tensors overlap)")
    }

    @Test func gappedOffsetsAreRefused() {
        let bytes = Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, dataBytes: 12)
        #expect(Self.message(bytes) == "m.safetensors: tensor 'b' starts at data offset 8 but 'a' ends at 4 (gap: tensors must be contiguous)")
        let leading = Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8)
        #expect(Self.message(leading) == "m.safetensors: tensor 'a' starts at data offset 4 but the data starts at 0 (gap: tensors must be contiguous)")
    }

    @Test func trailingBytesAreRefused() {
        let bytes = Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 7)
        #expect(Self.message(bytes) == "m.safetensors: 3 trailing bytes after the last tensor (data ends at offset 4, file holds 7)")
    }

    @Test func dataShorterThanOffsetsIsRefused() {
        let bytes = Self.file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: 10)
        #expect(Self.message(bytes) == "m.safetensors: tensor 'a' ends at data offset 16 but the file holds 10 bytes of data (truncated file)")
    }

    @Test func nonStringMetadataIsRefused() {
        let bytes = Self.file(header: #"{"__metadata__":{"epoch":3}}"#, dataBytes: 0)
        #expect(Self.message(bytes) == "m.safetensors: __metadata__ value for 'epoch' is not a string")
    }

    @Test func everyTruncationOfAValidFileIsRefusedNotCrashed() throws {
        var writer = SafeTensorsWriter(metadata: ["k": "v"])
        writer.add("a", floats: [1, 2, 3], shape: [3])
        writer.add("b", int32s: [4, 5])
        let bytes = writer.encoded()
        for n in 0..<bytes.count {
            #expect(Self.message(Array(bytes[0..<n])) != nil, "a file cut to \(n) bytes was accepted")
        }
        #expect(Self.message(bytes) == nil)
    }

    @Test func missingTensorAndWrongDTypeAreNamed() throws {
        var writer = SafeTensorsWriter()
        writer.add("ids", int32s: [1])
        let file = try SafeTensors(parsing: writer.encoded(), path: "m.safetensors")
        #expect(throws: SerializationError(.missingTensor, path: "m.safetensors", "no tensor 'w'")) { try file.floats("w") }
        #expect(throws: SerializationError(.wrongDType, path: "m.safetensors", "tensor 'ids' is I32, expected F32")) { try file.floats("ids") }
    }
}
