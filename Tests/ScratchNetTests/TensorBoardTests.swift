import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// A Python that can import `tensorboard`: .build-venv's (scripts/setup.sh
/// installs it there), else python3 on PATH.
enum TensorBoardPython {
    static let path: String? = {
        for candidate in [TestTools.packageRoot + "/.build-venv/bin/python3", "/usr/bin/python3-on-path"] {
            if candidate.hasPrefix("/usr/bin/python3-on-path") || FileManager.default.isExecutableFile(atPath: candidate),
               let result = try? TestTools.run(candidate, ["-c", "import tensorboard"]), result.status == 0 {
                return candidate
            }
        }
        return nil
    }()

    /// Locally the read-back is skipped without the package; in CI
    /// (`CI=true`) it must run, so a missing package fails the test.
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"
    static let missing: Comment = "python3 with the tensorboard package not found (scripts/setup.sh installs it into .build-venv); the read-back runs in CI"

    static let reader = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/read_tensorboard_events.py").path

    struct Events: Decodable {
        var files: Int
        var records: Int
        var file_version: String
        var scalars: [String: [[Double]]]
    }

    /// The event files of `directory` as TensorBoard's reader sees them.
    static func read(_ directory: String) throws -> Events {
        let python = try #require(path, missing)
        let result = try TestTools.run(python, [reader, directory])
        try #require(result.status == 0, "\(result.output)")
        // The reader may log warnings before its JSON line.
        let line = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(result.output)")
        return try JSONDecoder().decode(Events.self, from: Data(line.utf8))
    }
}

@Suite("TensorBoard event files")
struct TensorBoardTests {
    /// RFC 3720 (iSCSI) appendix B.4 and the common check value.
    @Test func crc32cMatchesKnownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map(UInt8.init)) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map(UInt8.init)) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// TensorFlow's `masked_crc32c`: rotate right 15, add 0xa282ead8 (mod 2³²).
    @Test func maskedChecksumRotatesAndOffsets() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(0xE306_9283) == ((0xE306_9283 >> 15) | (0xE306_9283 << 17 & 0xFFFF_FFFF)) &+ 0xA282_EAD8)
    }

    @Test func recordFramingIsLengthChecksumDataChecksum() {
        let payload: [UInt8] = Array("hello".utf8)
        let record = TFRecord.frame(payload)
        #expect(record.count == 8 + 4 + payload.count + 4)
        #expect(Array(record[0..<8]) == [5, 0, 0, 0, 0, 0, 0, 0])
        func u32(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        #expect(u32(record[8..<12]) == CRC32C.masked(CRC32C.checksum(record[0..<8])))
        #expect(Array(record[12..<17]) == payload)
        #expect(u32(record[17..<21]) == CRC32C.masked(CRC32C.checksum(payload)))
    }

    @Test func writerNamesItsFileAsTensorBoardDoesAndNeverReplacesOne() throws {
        let dir = TemporaryDirectory()
        let a = try TensorBoardWriter(directory: dir.path("runs/a"), wallTime: 1_700_000_000)
        let b = try TensorBoardWriter(directory: dir.path("runs/a"), wallTime: 1_700_000_000)
        #expect(a.path.hasPrefix(dir.path("runs/a") + "/events.out.tfevents.1700000000."))
        #expect(a.path != b.path)
        // The first record is the file version alone.
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: a.path)))
        #expect(String(decoding: bytes, as: UTF8.self).contains("brain.Event:2"))
    }

    @Test(.enabled(if: TensorBoardPython.path != nil || TensorBoardPython.required, TensorBoardPython.missing))
    func tensorBoardReadsTheScalarsBack() throws {
        let dir = TemporaryDirectory()
        let writer = try TensorBoardWriter(directory: dir.path("tb"))
        for step in 1...5 {
            try writer.add(scalars: [("train/loss", 1 / Float(step)), ("epoch/test_accuracy", 0.5 + Float(step) / 100)],
                           step: step * 10)
        }
        writer.close()
        let events = try TensorBoardPython.read(dir.path("tb"))
        #expect(events.file_version == "brain.Event:2")
        #expect(events.records == 6)
        #expect(Set(events.scalars.keys) == ["train/loss", "epoch/test_accuracy"])
        let loss = try #require(events.scalars["train/loss"])
        #expect(loss.map { Int($0[0]) } == [10, 20, 30, 40, 50])
        // float32 values round-trip exactly through simple_value.
        #expect(loss.map { Float($0[1]) } == (1...5).map { 1 / Float($0) })
        #expect(events.scalars["epoch/test_accuracy"]?.map { Float($0[1]) } == (1...5).map { 0.5 + Float($0) / 100 })
    }
}
