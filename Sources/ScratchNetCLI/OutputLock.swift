import Foundation

/// Advisory locks that keep two `scratchnet` runs from writing the same
/// output file: each output `F` is guarded by `flock` on `F.lock` for the
/// whole run, taken before any work starts.
///
/// The kernel drops a `flock` when its process ends, however it ends, so a
/// lock file left by a killed run never blocks; its content (the writer's
/// pid) only feeds the message. A run that ends normally removes its lock
/// files; a run that finds its lock file unlinked or replaced after locking
/// it (by that removal) locks again, so two runs never hold different
/// inodes of one path.
enum OutputLock {
    /// The locks this process holds: lock path and descriptor.
    nonisolated(unsafe) private static var held: [(path: String, fd: Int32)] = []

    /// Locks every path in `outputs` (a path already held is skipped).
    /// - Throws: ``CLIFailure`` with status 73 naming the first output
    ///   another run holds, or whose lock file cannot be created.
    static func acquire(_ outputs: [String]) throws {
        for output in outputs {
            let lockPath = output + ".lock"
            guard !held.contains(where: { $0.path == lockPath }) else { continue }
            held.append((lockPath, try lock(lockPath, for: output)))
        }
    }

    /// Opens and locks `lockPath`, then writes this process's pid into it.
    private static func lock(_ lockPath: String, for output: String) throws -> Int32 {
        for _ in 0..<100 {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            guard fd >= 0 else {
                throw CLIFailure(.cannotCreate, "cannot create lock file \(lockPath): \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let busy = errno == EWOULDBLOCK
                let reason = String(cString: strerror(errno))
                let holder = busy ? pid(in: fd) : nil
                close(fd)
                guard busy else { throw CLIFailure(.cannotCreate, "cannot lock \(lockPath): \(reason)") }
                throw CLIFailure(.cannotCreate, "\(output) is being written by another scratchnet run"
                                 + (holder.map { " (pid \($0))" } ?? ""))
            }
            // Locked: but is it still the file at `lockPath`?
            var opened = stat(), named = stat()
            if fstat(fd, &opened) == 0, stat(lockPath, &named) == 0,
               opened.st_dev == named.st_dev, opened.st_ino == named.st_ino {
                let text = Array("\(getpid())\n".utf8)
                if ftruncate(fd, 0) == 0 { _ = pwrite(fd, text, text.count, 0) }
                return fd
            }
            close(fd)
        }
        throw CLIFailure(.cannotCreate, "cannot lock \(lockPath): it keeps being replaced")
    }

    /// The pid another run wrote into its lock file, if it reads as one.
    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Removes and unlocks every lock this process holds; called on every
    /// exit path of the command (unlink while locked, then close, so that a
    /// run that opened the old file sees it gone and locks again).
    static func releaseAll() {
        for (path, fd) in held {
            unlink(path)
            close(fd)
        }
        held.removeAll()
    }
}
