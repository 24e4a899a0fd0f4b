#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe writes.
///
/// A write goes to a temporary file in the same directory, is flushed to
/// disk (fsync), then renamed over the target: a reader, or a process
/// killed at any moment, sees the old file or the new one, never half.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(basename(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(path: path, reason: "cannot create a temporary file: \(errnoText())") }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, bytes.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(fd)
                throw Failure(path: path, reason: "write failed: \(reason)")
            }
            offset += n
        }
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else {
            let reason = errnoText()
            close(fd)
            throw Failure(path: path, reason: "fsync failed: \(reason)")
        }
        close(fd)
        guard rename(tempPath, path) == 0 else {
            throw Failure(path: path, reason: "rename failed: \(errnoText())")
        }
        ok = true
        // Make the rename itself durable.
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }

    /// Reads a whole file; a missing file is ``DataError/fileNotFound(path:)``.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw DataError.fileNotFound(path: path) }
            throw DataError.unreadable(path: path, reason: errnoText())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataError.unreadable(path: path, reason: errnoText()) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw DataError.unreadable(path: path, reason: "is a directory") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError.unreadable(path: path, reason: errnoText())
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
