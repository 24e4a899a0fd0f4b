import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Atomic writes leave no litter: temporaries of killed writers are swept.
@Suite("Atomic file writes")
struct AtomicFileTests {
    func names(in dir: TemporaryDirectory) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir.root))
    }

    @Test func staleTemporariesOfTheSameFileAreRemovedFreshOnesKept() throws {
        let dir = TemporaryDirectory()
        let target = dir.path("run.ckpt")
        // What a writer killed between mkstemp and rename leaves behind.
        let stale = dir.path(".run.ckpt.tmp-AbC123"), fresh = dir.path(".run.ckpt.tmp-XyZ789")
        let otherFile = dir.path(".other.ckpt.tmp-AbC123")
        for path in [stale, fresh, otherFile] { try AtomicFile.write([1, 2, 3], to: path) }
        let old = Date(timeIntervalSinceNow: -(AtomicFile.staleTemporaryAge + 600))
        for path in [stale, otherFile] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        try AtomicFile.write([9, 9], to: target)
        #expect(try AtomicFile.read(target) == [9, 9])
        let left = try names(in: dir)
        #expect(!left.contains(".run.ckpt.tmp-AbC123"), "the dead writer's temporary is swept")
        #expect(left.contains(".run.ckpt.tmp-XyZ789"), "a write in progress (young file) is left alone")
        #expect(left.contains(".other.ckpt.tmp-AbC123"), "another file's temporaries are not ours to remove")
    }
}
