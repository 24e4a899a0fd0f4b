import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Hostile mirrors and hostile targets, all on 127.0.0.1: a download is
/// given up on at its deadline, held to its size, streamed (memory does not
/// grow with the body), and never reads anything but a regular file.
@Suite("Download limits", .serialized)
struct DownloadLimitTests {
    init() {
        // libcurl honours proxy variables; loopback must never go through one.
        setenv("no_proxy", "127.0.0.1,localhost", 1)
        setenv("NO_PROXY", "127.0.0.1,localhost", 1)
    }

    static let name = "train-images-idx3-ubyte.gz"

    /// A one-file manifest; the default MD5 matches nothing.
    func manifest(md5: String = String(repeating: "0", count: 32), size: Int? = nil) -> DatasetManifest {
        DatasetManifest(name: "one", mirrors: [], files: [.init(name: Self.name, md5: md5, size: size)])
    }

    /// The error line a fetch ends with, and how long it took.
    func failure(_ fetcher: DatasetFetcher, into directory: String) -> (message: String, seconds: Double) {
        let start = Date()
        do {
            _ = try fetcher.fetch(to: directory)
            return ("no error", Date().timeIntervalSince(start))
        } catch {
            return ("\(error)", Date().timeIntervalSince(start))
        }
    }

    /// MD5 of the first `count` bytes of the server's streamed pattern, hashed in pieces.
    static func patternMD5(_ count: Int) -> String {
        var hasher = Checksums.MD5()
        let period = LocalHTTPServer.pattern(251 * 4096)
        var done = 0
        while done < count {
            let n = min(period.count, count - done)
            period.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            done += n
        }
        return hasher.finalize()
    }

    @Test func incrementalDigestsMatchWholeBufferDigestsAtEverySplit() {
        let message = LocalHTTPServer.pattern(300)
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 200, 300] {
            var md5 = Checksums.MD5(), sha = Checksums.SHA256()
            md5.update(Array(message[..<split])); md5.update(Array(message[split...]))
            sha.update(Array(message[..<split])); sha.update(Array(message[split...]))
            #expect(md5.finalize() == Checksums.md5(message), "split \(split)")
            #expect(sha.finalize() == Checksums.sha256(message), "split \(split)")
        }
        // Byte-at-a-time across a million bytes is slow in debug; 1,000 'a's cross 15 blocks.
        var sha = Checksums.SHA256()
        for _ in 0..<1000 { sha.update([0x61]) }
        #expect(sha.finalize() == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func tricklingServerIsGivenUpOnAtTheDeadline() throws {
        // One byte every 200 ms: never silent long enough for an idle timeout.
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 100, contentLength: 100, chunk: 1, delay: 0.2)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest(), mirror: server.baseURL + "d",
                                     limits: DownloadLimits(timeout: 1, maxBytes: 1000))
        let (message, seconds) = failure(fetcher, into: dir.path("set"))
        #expect(message.hasPrefix("\(Self.name): timed out after 1 s ("), "\(message)")
        #expect(message.contains(" of 100 bytes received) from \(server.baseURL)d/\(Self.name)"), "\(message)")
        #expect(!message.contains("\n") && !message.contains("NSURLErrorDomain"))
        #expect(seconds < 2.5, "gave up after \(seconds) s")
        #expect(TestTools.files(in: dir.path("set")) == [], "the temporary file was left")
    }

    @Test func hugeAnnouncedLengthIsRefusedBeforeTheBody() throws {
        // Announces a terabyte, then trickles for 5 s: a refusal must not wait for it.
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 50, contentLength: 1 << 40, chunk: 1, delay: 0.1)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest(), mirror: server.baseURL + "d",
                                     limits: DownloadLimits(timeout: 30, maxBytes: 1 << 20))
        let (message, seconds) = failure(fetcher, into: dir.path("set"))
        #expect(message.contains("server announced 1099511627776 bytes, more than the 1048576 expected"), "\(message)")
        #expect(seconds < 1.5, "refused after \(seconds) s")
        #expect(TestTools.files(in: dir.path("set")) == [])
    }

    @Test func knownFileSizeCapsTheDownloadBelowMaxBytes() throws {
        // The manifest says 1,000 bytes: 5,000 announced are refused, 5,000
        // unannounced are cut at 1,000, although --max-bytes would allow them.
        let server = try LocalHTTPServer(replies: [
            "/announced/" + Self.name: .stream(count: 5000, contentLength: 5000, chunk: 1000, delay: 0),
            "/unannounced/" + Self.name: .stream(count: 5000, contentLength: nil, chunk: 1000, delay: 0),
        ])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let limits = DownloadLimits(timeout: 10, maxBytes: 1 << 20)
        let announced = failure(DatasetFetcher(manifest: manifest(size: 1000), mirror: server.baseURL + "announced", limits: limits),
                                into: dir.path("set")).message
        #expect(announced.contains("server announced 5000 bytes, more than the 1000 expected"), "\(announced)")
        let unannounced = failure(DatasetFetcher(manifest: manifest(size: 1000), mirror: server.baseURL + "unannounced", limits: limits),
                                  into: dir.path("set")).message
        #expect(unannounced.contains("server sent more than 1000 bytes"), "\(unannounced)")
        #expect(TestTools.files(in: dir.path("set")) == [])
    }

    @Test func endlessBodyIsCutAtTheCapWithFlatMemoryAndTheTemporaryFileRemoved() throws {
        // 128 MiB without a Content-Length, as fast as loopback goes, against
        // a 1 MiB cap. Chunks read before the cancel lands are dropped, not
        // queued: with queued delegate calls this grew by hundreds of MiB.
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 128 << 20, contentLength: nil, chunk: 1 << 16, delay: 0)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest(), mirror: server.baseURL + "d",
                                     limits: DownloadLimits(timeout: 30, maxBytes: 1 << 20))
        let sampler = ResidentSizeSampler()
        let (message, seconds) = failure(fetcher, into: dir.path("set"))
        usleep(300_000)
        let growth = sampler.stop()
        #expect(message == "\(Self.name): server sent more than 1048576 bytes from \(server.baseURL)d/\(Self.name); cut off")
        #expect(seconds < 2, "cut off after \(seconds) s")
        #expect(growth < 48 << 20, "resident size grew by \(growth >> 20) MiB")
        #expect(TestTools.files(in: dir.path("set")) == [])
    }

    @Test func gzipEncodedBodyIsRefusedBeforeLibcurlInflatesIt() throws {
        // 16 MiB of zeros in about 16 kB, sent as Content-Encoding: gzip
        // although identity was asked: libcurl would inflate it at memory
        // speed, and the bytes would not be the file as published anyway.
        let bomb = TestGzip.compressRaw([UInt8](repeating: 0, count: 16 << 20))
        #expect(bomb.count < 100_000)
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .gzipEncoded(bomb)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest(), mirror: server.baseURL + "d",
                                     limits: DownloadLimits(timeout: 30, maxBytes: 32 << 20))
        let (message, seconds) = failure(fetcher, into: dir.path("set"))
        #expect(message == "\(Self.name): the server sent the file gzip-encoded although asked for it as stored; refused (\(server.baseURL)d/\(Self.name))")
        #expect(seconds < 1)
        #expect(TestTools.files(in: dir.path("set")) == [])
    }

    @Test func truncatedBodyIsOneLine() throws {
        // Announces 1,000 bytes, sends 100, closes.
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 100, contentLength: 1000, chunk: 100, delay: 0)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let (message, _) = failure(DatasetFetcher(manifest: manifest(), mirror: server.baseURL + "d"), into: dir.path("set"))
        #expect(message == "\(Self.name): transfer failed after 100 bytes of 1 kB (\(server.baseURL)d/\(Self.name))")
        #expect(TestTools.files(in: dir.path("set")) == [])
    }

    @Test func redirectIsFollowed() throws {
        let body = LocalHTTPServer.pattern(5000)
        let server = try LocalHTTPServer(replies: ["/r/" + Self.name: .redirect("/d/" + Self.name), "/d/" + Self.name: .body(body)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let paths = try DatasetFetcher(manifest: manifest(md5: Checksums.md5(body), size: body.count), mirror: server.baseURL + "r",
                                       limits: DownloadLimits(timeout: 5)).fetch(to: dir.path("set"))
        #expect(try AtomicFile.read(paths[0]) == body)
    }

    @Test func memoryDoesNotGrowWithTheBody() throws {
        // Other tests run in this process at the same time and move its
        // resident size by tens of MiB; a body of 256 MiB against a bound of
        // 96 MiB keeps both margins wide.
        let count = 256 << 20
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: count, contentLength: count, chunk: 1 << 16, delay: 0)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest(md5: Self.patternMD5(count), size: count), mirror: server.baseURL + "d",
                                     limits: DownloadLimits(timeout: 60, maxBytes: 320 << 20))
        // Sampled resident size: a process-wide peak (getrusage) may have
        // been set higher by earlier tests and would then prove nothing.
        let sampler = ResidentSizeSampler()
        let paths = try fetcher.fetch(to: dir.path("set"))
        let growth = sampler.stop()
        #expect(paths == [dir.path("set/\(Self.name)")])
        #expect(fileSize(paths[0]) == count)
        // A buffered body would add at least 256 MiB; streaming adds the chunk
        // buffers and the libcurl/URLSession pipeline.
        #expect(growth < 96 << 20, "resident size grew by \(growth >> 20) MiB while streaming \(count >> 20) MiB")
        unlink(paths[0])
    }

    @Test func fifoAtTheTargetIsAnErrorNamingIt() throws {
        let server = try LocalHTTPServer(files: ["/d/" + Self.name: [1, 2, 3]])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        mkdir(dir.path("set"), 0o755)
        #expect(mkfifo(dir.path("set/\(Self.name)"), 0o644) == 0)
        let fetcher = DatasetFetcher(manifest: manifest(md5: Checksums.md5([1, 2, 3])), mirror: server.baseURL + "d")
        let (message, seconds) = failure(fetcher, into: dir.path("set"))
        #expect(message == "\(dir.path("set/\(Self.name)")): is a FIFO, not a regular file; remove it or choose another directory")
        #expect(seconds < 1)
        unlink(dir.path("set/\(Self.name)"))
        // A directory there is refused alike.
        mkdir(dir.path("set/\(Self.name)"), 0o755)
        #expect(failure(fetcher, into: dir.path("set")).message.contains("is a directory, not a regular file"))
        rmdir(dir.path("set/\(Self.name)"))
    }

    @Test func unreachableMirrorIsOneLineNamingTheHost() throws {
        // A port just freed: nothing listens on it.
        let server = try LocalHTTPServer(files: [:])
        let base = server.baseURL
        server.stop()
        let dir = TemporaryDirectory()
        let (message, _) = failure(DatasetFetcher(manifest: manifest(), mirror: base, limits: DownloadLimits(timeout: 5)),
                                   into: dir.path("set"))
        #expect(message == "\(Self.name): cannot connect to 127.0.0.1: connection refused")
    }

    @Test func verifiedDownloadReplacesACorruptFileAtomically() throws {
        let body = LocalHTTPServer.pattern(10_000)
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 10_000, contentLength: nil, chunk: 4096, delay: 0)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        mkdir(dir.path("set"), 0o755)
        try AtomicFile.write([9, 9, 9], to: dir.path("set/\(Self.name)"))
        let fetcher = DatasetFetcher(manifest: manifest(md5: Checksums.md5(body), size: body.count), mirror: server.baseURL + "d")
        var events: [String] = []
        _ = try fetcher.fetch(to: dir.path("set")) { event in
            if case let .verified(_, bytes) = event { events.append("verified \(bytes)") }
        }
        #expect(events == ["verified 10000"])
        #expect(try AtomicFile.read(dir.path("set/\(Self.name)")) == body)
        #expect(TestTools.files(in: dir.path("set")) == [Self.name], "a temporary file was left")
        var info = stat()
        #expect(stat(dir.path("set/\(Self.name)"), &info) == 0 && info.st_mode & 0o777 == 0o644)
    }

    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func commandLinePrintsOneLinePerFailure() throws {
        let server = try LocalHTTPServer(replies: ["/d/" + Self.name: .stream(count: 100, contentLength: nil, chunk: 1, delay: 0.2)])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let slow = try TestTools.run(TestTools.scratchnet!, ["data", "fetch", "mnist", "--to", dir.path("set"),
                                                            "--mirror", server.baseURL + "d", "--timeout", "1"])
        let errors = slow.output.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        #expect(slow.status == 1, "\(slow.output)")
        #expect(errors.count == 1 && errors[0].hasPrefix("Error: \(Self.name): timed out after 1 s ("), "\(slow.output)")
        #expect(errors.first?.contains(" of 9.9 MB received) from \(server.baseURL)d/\(Self.name)") == true, "\(slow.output)")
        #expect(!slow.output.contains("Domain"), "\(slow.output)")
        #expect(TestTools.files(in: dir.path("set")) == [])

        #expect(mkfifo(dir.path("set/\(Self.name)"), 0o644) == 0)
        let fifo = try TestTools.run(TestTools.scratchnet!, ["data", "fetch", "mnist", "--to", dir.path("set"),
                                                            "--mirror", server.baseURL + "d"])
        #expect(fifo.status == 73)
        #expect(fifo.output == "Error: \(dir.path("set/\(Self.name)")): is a FIFO, not a regular file; remove it or choose another directory\n")
        unlink(dir.path("set/\(Self.name)"))

        // A timeout past a week (the clock's deadline would overflow) is a usage error, not a crash.
        for timeout in ["9223372036854775807", "1e300", "604801"] {
            let huge = try TestTools.run(TestTools.scratchnet!, ["data", "fetch", "mnist", "--to", dir.path("set"),
                                                                "--mirror", server.baseURL + "d", "--timeout", timeout])
            #expect(huge.status == 64, "--timeout \(timeout): \(huge.output)")
            #expect(huge.output.contains("--timeout must be a positive number of seconds, at most 604800"), "\(huge.output)")
        }
    }
}

private func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : -1
}

/// The largest growth of this process's resident size (from /proc/self/statm)
/// over its size at creation, sampled every 5 ms until ``stop()``.
final class ResidentSizeSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    let baseline: Int

    static func current() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    init() {
        baseline = Self.current()
        peak = baseline
        Thread { [self] in
            while true {
                let now = Self.current()
                lock.lock()
                peak = max(peak, now)
                let go = running
                lock.unlock()
                if !go { break }
                usleep(5000)
            }
            finished.signal()
        }.start()
    }

    /// Stops sampling; returns the peak growth in bytes.
    func stop() -> Int {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
        return peak - baseline
    }
}
