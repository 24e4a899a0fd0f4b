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
    ///
    /// The new file keeps the mode (and, where the process may set it, the
    /// owner and group) of the file it replaces, so a private 0600 file
    /// stays private; a new path gets 0666 less the umask, as `open` would
    /// give it.
    ///
    /// A path that names a device, FIFO or socket is refused, not replaced:
    /// renaming over `/dev/null` as root would put a regular file in its place.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var existing = stat()
        if stat(path, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG {
            throw Failure(path: path, reason: "is \(fileTypeName(existing.st_mode & S_IFMT)), not a regular file; not replaced")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let (fd, tempPath) = try createTemporary(for: path, in: directory.isEmpty ? "/" : directory)
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        // Before any byte is written: the data is never readable by more
        // users than the file it replaces allows.
        var replaced = stat()
        if stat(path, &replaced) == 0, (replaced.st_mode & S_IFMT) == S_IFREG {
            if replaced.st_uid != geteuid() || replaced.st_gid != getegid() {
                _ = fchown(fd, replaced.st_uid, replaced.st_gid)  // best effort: only root may give a file away
            }
            fchmod(fd, replaced.st_mode & 0o7777)
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

    /// Creates `DIR/.NAME.tmp-XXXXXX` exclusively with mode 0666, which the
    /// kernel narrows by the umask (mkstemp would force 0600, and reading
    /// the umask from another thread is racy).
    static func createTemporary(for path: String, in directory: String) throws -> (fd: Int32, path: String) {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let suffix = String((0..<6).map { _ in letters[Int(generator.next() % UInt64(letters.count))] })
            let tempPath = "\(directory)/.\(basename(of: path)).tmp-\(suffix)"
            let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, tempPath) }
            if errno != EEXIST { break }
        }
        throw Failure(path: path, reason: "cannot create a temporary file: \(errnoText())")
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

    /// Reads a whole regular file of at most `limit.bytes` bytes.
    ///
    /// The file is opened with `O_NONBLOCK` (so a FIFO cannot block the
    /// open) and checked with `fstat` before anything is read: a FIFO,
    /// device, socket or directory is ``DataError/notRegularFile(path:kind:)``,
    /// a file over the limit ``DataError/fileTooLarge(path:bytes:limit:)``,
    /// a missing file ``DataError/fileNotFound(path:)``. A file that grows
    /// past the limit while being read is refused too.
    /// - Complexity: memory is the file's size, allocated once.
    public static func read(_ path: String, limit: FileSizeLimit = .file) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw DataError.fileNotFound(path: path) }
            throw DataError.unreadable(path: path, reason: errnoText())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataError.unreadable(path: path, reason: errnoText()) }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else { throw DataError.notRegularFile(path: path, kind: fileTypeName(type)) }
        let size = Int(info.st_size)
        guard size <= limit.bytes else { throw DataError.fileTooLarge(path: path, bytes: size, limit: limit) }
        // Reads into a buffer of the stated size; one byte more proves the end
        // (files in /proc state 0 and still hold bytes: they grow the buffer).
        var bytes = [UInt8](repeating: 0, count: size)
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count < limit.bytes else {
                    var probe: UInt8 = 0
                    let n = Glibc.read(fd, &probe, 1)
                    if n == 0 { break }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { throw DataError.unreadable(path: path, reason: errnoText()) }
                    throw DataError.fileTooLarge(path: path, bytes: limit.bytes + 1, limit: limit)
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 1 << 16), limit.bytes - bytes.count)))
            }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError.unreadable(path: path, reason: errnoText())
            }
            if n == 0 { break }
            count += n
        }
        if count < bytes.count { bytes.removeSubrange(count...) }
        return bytes
    }

    /// "a FIFO", "a character device", ... for a `st_mode & S_IFMT` value.
    static func fileTypeName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "file type \(type)"
        }
    }

    static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
