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
        removeStaleTemporaries(of: path, in: directory.isEmpty ? "/" : directory)
    }

    /// A temporary file untouched this long belongs to a writer that died
    /// (a write takes well under a second); younger ones may be another
    /// process's write in progress and are left alone.
    public static let staleTemporaryAge: Double = 60

    /// Deletes `.NAME.tmp-XXXXXX` files that a killed writer of `path` left
    /// behind (a kill between mkstemp and rename cannot clean up after
    /// itself). Best effort: errors are ignored, the write has succeeded.
    static func removeStaleTemporaries(of path: String, in directory: String) {
        let prefix = ".\(basename(of: path)).tmp-"
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name.hasPrefix(prefix), name.utf8.count == prefix.utf8.count + 6 else { continue }
            let full = "\(directory)/\(name)"
            var info = stat()
            guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if Double(now.tv_sec - info.st_mtim.tv_sec) > staleTemporaryAge { unlink(full) }
        }
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
