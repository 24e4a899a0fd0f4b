#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test, removed when the value goes away.
public final class TemporaryDirectory {
    public let root: String

    public init() {
        var template = Array("/tmp/scratchnet-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "TemporaryDirectory: mkdtemp failed")
        root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public func path(_ name: String) -> String { "\(root)/\(name)" }

    deinit {
        if let dir = opendir(root) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink(path(name)) }
            }
            closedir(dir)
        }
        rmdir(root)
    }
}
