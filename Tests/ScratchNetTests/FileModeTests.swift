import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Atomic writes keep the permissions of the file they replace, and a new
/// file gets 0666 less the umask, as any other program's would.
@Suite("file modes", .serialized)
struct FileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func atomicWriteKeepsTheReplacedFilesMode() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("secret.bin")
        try AtomicFile.write([1, 2, 3], to: path)
        chmod(path, 0o600)
        try AtomicFile.write([4, 5], to: path)
        #expect(try Self.mode(path) == 0o600)
        #expect(try AtomicFile.read(path) == [4, 5])
        chmod(path, 0o640)
        try AtomicFile.write([6], to: path)
        #expect(try Self.mode(path) == 0o640)
    }

    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func saveKeepsA0600ModelPrivateAndNewFilesFollowTheUmask() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root)
        let model = dir.path("m.safetensors"), checkpoint = dir.path("c.safetensors"), metrics = dir.path("m.json")
        let train = "\(TestTools.scratchnet!) train --data \(dir.root) --model mlp --hidden 8 --epochs 1 --batch-size 10 --quiet"

        // New files, under umask 027 (a shell sets it: the umask is per process).
        let first = try TestTools.run("/bin/sh", ["-c", "umask 027 && exec \(train) --save \(model) --checkpoint \(checkpoint) --metrics-json \(metrics)"])
        #expect(first.status == 0, "\(first.output)")
        for path in [model, checkpoint, metrics] { #expect(try Self.mode(path) == 0o640, "\(path)") }

        // Replacing a 0600 file, under a permissive umask.
        chmod(model, 0o600)
        let second = try TestTools.run("/bin/sh", ["-c", "umask 022 && exec \(train) --save \(model)"])
        #expect(second.status == 0, "\(second.output)")
        #expect(try Self.mode(model) == 0o600)
    }
}
