extension MNISTFormat {
    /// The four file names of an MNIST-format set, without `.gz`.
    public static let fileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Path of `stem` in `directory`, plain or gzipped.
    static func locate(_ stem: String, in directory: String) throws -> String {
        let plain = "\(directory)/\(stem)"
        if fileExists(plain) { return plain }
        if fileExists(plain + ".gz") { return plain + ".gz" }
        throw DataError.fileNotFound(path: plain + ".gz")
    }

    /// Only the training images and labels (a search never reads the test set).
    public static func loadTrainingSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[0], in: directory), labelsPath: locate(fileStems[1], in: directory))
    }

    /// Only the test images and labels.
    public static func loadTestSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[2], in: directory), labelsPath: locate(fileStems[3], in: directory))
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ScratchNetCore

/// The files of a downloadable data set and where to get them.
public struct DatasetManifest: Sendable {
    public struct File: Sendable {
        /// File name, as published and as written ("train-images-idx3-ubyte.gz").
        public var name: String
        /// Published MD5 of the file as downloaded.
        public var md5: String
        /// Size in bytes of the published file: a download is cut off as
        /// soon as it exceeds it, and a server announcing more is refused.
        public var size: Int?
        /// SHA-256 of the uncompressed contents: accepts a mirror that
        /// recompressed the same data (Debian's packages do).
        public var contentSHA256: String?
        /// Uncompressed size: inflating a file to check its contents stops
        /// past it, so a gzip bomb cannot run on.
        public var contentSize: Int?

        public init(name: String, md5: String, size: Int? = nil, contentSHA256: String? = nil, contentSize: Int? = nil) {
            self.name = name
            self.md5 = md5
            self.size = size
            self.contentSHA256 = contentSHA256
            self.contentSize = contentSize
        }
    }

    public var name: String
    /// Base URLs, tried in order; a file is fetched from base + name.
    public var mirrors: [String]
    public var files: [File]

    public init(name: String, mirrors: [String], files: [File]) {
        self.name = name
        self.mirrors = mirrors
        self.files = files
    }

    /// MNIST, with the digests and sizes torchvision publishes for these mirrors.
    public static let mnist = DatasetManifest(
        name: "mnist",
        mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                  "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", size: 9_912_422),
            File(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432", size: 28_881),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3", size: 1_648_877),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c", size: 4_542),
        ])

    /// Fashion-MNIST: MD5s and sizes from Zalando's README; content SHA-256s
    /// computed from Debian's `dataset-fashion-mnist` (same IDX data,
    /// recompressed, each file a few bytes smaller than the published one).
    /// Content sizes are the IDX sizes: header + count × 28 × 28 (or × 1).
    public static let fashionMNIST = DatasetManifest(
        name: "fashion-mnist",
        mirrors: ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d", size: 26_421_880,
                 contentSHA256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", contentSize: 47_040_016),
            File(name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe", size: 29_515,
                 contentSHA256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", contentSize: 60_008),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79", size: 4_422_102,
                 contentSHA256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", contentSize: 7_840_016),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310", size: 5_148,
                 contentSHA256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", contentSize: 10_008),
        ])

    public static func named(_ name: String) -> DatasetManifest? {
        switch name.lowercased() {
        case "mnist": return .mnist
        case "fashion-mnist", "fashion_mnist", "fashionmnist": return .fashionMNIST
        default: return nil
        }
    }

    /// Whether `bytes` are this file: the published size and MD5, or the
    /// same uncompressed contents.
    public func verifies(_ file: File, bytes: [UInt8]) -> Bool {
        if file.size.map({ $0 == bytes.count }) ?? true, Checksums.md5(bytes) == file.md5 { return true }
        guard let expected = file.contentSHA256, Gzip.isGzip(bytes),
              let content = try? Gzip.decompress(bytes, path: file.name, limit: file.contentSize ?? 1 << 32) else { return false }
        return Checksums.sha256(content) == expected
    }

    /// What a streamed check of a file found.
    public enum Verdict: Sendable, Equatable {
        case verified
        case mismatch(bytes: Int, md5: String)
    }

    /// Whether the regular file open at `fd` is this file (as
    /// ``verifies(_:bytes:)``), read in chunks: memory stays flat whatever
    /// the file's size.
    public func verify(_ file: File, fd: Int32) throws -> Verdict {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var hasher = Checksums.MD5()
        var count = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { break }
            count += n
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        let md5 = hasher.finalize()
        if file.size.map({ $0 == count }) ?? true, md5 == file.md5 { return .verified }
        if let expected = file.contentSHA256,
           Checksums.gzipContentSHA256(fd: fd, limit: file.contentSize ?? 1 << 32) == expected {
            return .verified
        }
        return .mismatch(bytes: count, md5: md5)
    }
}

/// Why a download failed, in one line that names the URL, host or file.
public enum FetchError: Error, CustomStringConvertible, Equatable {
    case http(url: String, status: Int)
    case cannotConnect(host: String, reason: String)
    case timedOut(url: String, seconds: Double, received: Int, expected: Int?)
    /// The server announced (Content-Length) or sent more than `limit` bytes.
    case tooLarge(url: String, limit: Int, announced: Int?)
    case transport(url: String, reason: String)
    case checksumMismatch(url: String, expectedMD5: String, actualMD5: String, bytes: Int, expectedBytes: Int?)
    /// Something other than a regular file lies where a file is to be written.
    case unusableTarget(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case allMirrorsFailed(file: String, attempts: [String])

    public var description: String {
        switch self {
        case let .http(url, status): return "HTTP \(status) from \(url)"
        case let .cannotConnect(host, reason): return "cannot connect to \(host): \(reason)"
        case let .timedOut(url, seconds, received, expected):
            let of = expected.map { " of \(Self.bytes($0))" } ?? ""
            return "timed out after \(Self.seconds(seconds)) (\(Self.bytes(received))\(of) received) from \(url)"
        case let .tooLarge(url, limit, announced):
            if let announced {
                return "server announced \(announced) bytes, more than the \(limit) expected, from \(url); refused"
            }
            return "server sent more than \(limit) bytes from \(url); cut off"
        case let .transport(url, reason): return "\(reason) (\(url))"
        case let .checksumMismatch(url, expected, actual, bytes, expectedBytes):
            let size = expectedBytes.map { $0 == bytes ? "" : ", \(bytes) bytes instead of \($0)" } ?? ""
            return "checksum mismatch from \(url) (MD5 \(actual), expected \(expected)\(size)): corrupted or not the published file; refused"
        case let .unusableTarget(path, reason): return "\(path): \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case let .allMirrorsFailed(file, attempts):
            if attempts.count == 1 { return "\(file): \(attempts[0])" }
            return "\(file): no mirror gave a verified copy: " + attempts.joined(separator: "; ")
        }
    }

    /// "812 bytes", "1.2 MB", "26.4 MB" (decimal units, as file sizes are published).
    static func bytes(_ n: Int) -> String {
        if n < 1000 { return "\(n) bytes" }
        for (unit, scale) in [("kB", 1e3), ("MB", 1e6), ("GB", 1e9)] where Double(n) < scale * 1000 {
            return ChartNumber.plain(Double(n) / scale, decimals: 1) + " " + unit
        }
        return ChartNumber.plain(Double(n) / 1e12, decimals: 1) + " TB"
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() && s < 1e9 ? "\(Int(s)) s" : ChartNumber.plain(s, decimals: 1) + " s"
    }
}

/// How long a download may take and how much it may bring.
public struct DownloadLimits: Sendable, Equatable {
    /// Seconds from request to last byte: the whole transfer, not silence,
    /// so a server that trickles a byte at a time is still given up on.
    public var timeout: Double
    /// Bytes accepted for one file; a file of known size is held to that size too.
    public var maxBytes: Int

    /// The longest timeout a download is given: a week. Longer ones are
    /// refused by the command line and cut to this here, where a deadline
    /// past the clock's range would overflow it.
    public static let maximumTimeout: Double = 7 * 24 * 3600

    /// 120 s per file; 64 MiB, above the largest built-in file (26.4 MB).
    public init(timeout: Double = 120, maxBytes: Int = 64 << 20) {
        self.timeout = timeout
        self.maxBytes = maxBytes
    }
}

/// Something that GETs a URL's body into a file (a URLSession in real use;
/// tests can swap it).
public protocol HTTPGetting: Sendable {
    /// Writes the body of a 200 response at `url` to `fd` as it arrives,
    /// within `limits`; returns the byte count.
    /// - Parameter expectedSize: the size the caller expects, for messages.
    func get(_ url: String, limits: DownloadLimits, expectedSize: Int?, writingTo fd: Int32) throws -> Int
}

/// GET through Foundation's URLSession (libcurl on Linux), streamed to a
/// file, with a deadline on the whole transfer and a cap on its size.
public struct URLSessionGetter: HTTPGetting {
    public init() {}

    public func get(_ url: String, limits: DownloadLimits, expectedSize: Int?, writingTo fd: Int32) throws -> Int {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = u.host else {
            throw FetchError.transport(url: url, reason: "not an http or https URL")
        }
        var limits = limits
        limits.timeout = min(limits.timeout, DownloadLimits.maximumTimeout)
        let transfer = Transfer(url: url, host: host, limits: limits, expectedSize: expectedSize, fd: fd)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = limits.timeout
        configuration.timeoutIntervalForResource = limits.timeout
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: InlineQueue())
        var request = URLRequest(url: u)
        request.timeoutInterval = limits.timeout
        // The file as published: a .gz must not be decoded in transit.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let task = session.dataTask(with: request)
        task.resume()
        if transfer.done.wait(timeout: .now() + limits.timeout) == .timedOut {
            transfer.stop(transfer.timedOut())
        }
        do {
            let bytes = try transfer.result()
            session.finishTasksAndInvalidate()
            return bytes
        } catch {
            // A cancel lands only once libcurl is done with what it is
            // reading (a flood, a gzip bomb): nothing more is written, so
            // cancel in the background and report now.
            DispatchQueue.global().async {
                task.cancel()
                session.invalidateAndCancel()
            }
            throw error
        }
    }

    /// Runs URLSession's delegate calls at once, on the thread that reads the
    /// network, instead of queueing them: that is the only backpressure
    /// FoundationNetworking (Linux, libcurl) offers. With a queue, a server faster than the
    /// delegate (or a gzip Content-Encoding that libcurl inflates at memory
    /// speed) piles up chunks in memory until a cancel lands, hundreds of
    /// megabytes later. Delegate methods must then never call back into the
    /// session synchronously.
    final class InlineQueue: OperationQueue, @unchecked Sendable {
        override func addOperation(_ block: @escaping @Sendable () -> Void) { block() }
    }

    /// The delegate of one transfer: writes chunks as they arrive, refuses
    /// an error status, an encoded body or an oversized announcement, cuts
    /// the body at the cap.
    ///
    /// Its only work per chunk is a write: the checksum is computed after,
    /// from the file, so it does not slow down the reading thread.
    final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let url: String
        let host: String
        let limits: DownloadLimits
        let expectedSize: Int?
        let fd: Int32
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        // Guarded by `lock`.
        private var received = 0
        private var announced: Int?
        private var failure: FetchError?
        private var finished = false

        init(url: String, host: String, limits: DownloadLimits, expectedSize: Int?, fd: Int32) {
            self.url = url
            self.host = host
            self.limits = limits
            self.expectedSize = expectedSize
            self.fd = fd
        }

        /// Ends the transfer with `error` unless it has already ended; no
        /// byte is written after this returns.
        func stop(_ error: FetchError?) {
            lock.lock()
            if !finished {
                finished = true
                failure = error
                done.signal()
            }
            lock.unlock()
        }

        /// The byte count, or why the transfer failed.
        func result() throws -> Int {
            lock.lock()
            defer { lock.unlock() }
            finished = true
            if let failure { throw failure }
            return received
        }

        func timedOut() -> FetchError {
            lock.lock()
            defer { lock.unlock() }
            return .timedOut(url: url, seconds: limits.timeout, received: received, expected: announced ?? expectedSize)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
            let http = response as? HTTPURLResponse
            let status = http?.statusCode ?? 0
            let length = response.expectedContentLength
            let encoding = http?.value(forHTTPHeaderField: "Content-Encoding")?.lowercased() ?? "identity"
            if status != 200 {
                stop(.http(url: url, status: status))
            } else if encoding != "identity" {
                // libcurl would decode it: the bytes would not be the file as
                // published, and a small body could inflate without bound.
                stop(.transport(url: url, reason: "the server sent the file \(encoding)-encoded although asked for it as stored; refused"))
            } else if length > Int64(limits.maxBytes) {
                stop(.tooLarge(url: url, limit: limits.maxBytes, announced: Int(clamping: length)))
            } else {
                lock.lock()
                if length >= 0 { announced = Int(length) }
                lock.unlock()
            }
            // FoundationNetworking ignores the disposition; `get` cancels.
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            // After the end, chunks are dropped until `get`'s cancel lands.
            if let error = take(data) { stop(error) }
        }

        /// Writes what fits under the cap; returns why the transfer must end, if it must.
        private func take(_ data: Data) -> FetchError? {
            lock.lock()
            defer { lock.unlock() }
            guard !finished else { return nil }
            let room = limits.maxBytes - received
            let take = min(room, data.count)
            let written = data.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < take {
                    let n = write(fd, raw.baseAddress! + offset, take - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += n
                }
                return true
            }
            guard written else {
                return .cannotWrite(path: "the temporary file of \(url)", reason: String(cString: strerror(errno)))
            }
            received += take
            return data.count > room ? .tooLarge(url: url, limit: limits.maxBytes, announced: nil) : nil
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            stop(error.map(describe))
        }

        /// A URLSession error in the project's words: never an NSError dump.
        func describe(_ error: Error) -> FetchError {
            let error = error as NSError
            guard error.domain == NSURLErrorDomain else {
                return .transport(url: url, reason: "transfer failed (\(error.domain) \(error.code))")
            }
            switch URLError.Code(rawValue: error.code) {
            case .timedOut:
                return timedOut()
            case .cannotConnectToHost:
                return .cannotConnect(host: host, reason: "connection refused")
            case .cannotFindHost, .dnsLookupFailed:
                return .cannotConnect(host: host, reason: "host not found")
            case .notConnectedToInternet:
                return .cannotConnect(host: host, reason: "no network connection")
            case .secureConnectionFailed:
                return .cannotConnect(host: host, reason: "TLS handshake failed")
            case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
                 .serverCertificateHasUnknownRoot, .clientCertificateRejected, .clientCertificateRequired:
                return .cannotConnect(host: host, reason: "its TLS certificate is not trusted")
            case .badServerResponse, .cannotParseResponse:
                return .transport(url: url, reason: "the server's response is not valid HTTP")
            case .cannotDecodeContentData, .cannotDecodeRawData:
                return .transport(url: url, reason: "the server's response cannot be decoded")
            case .httpTooManyRedirects:
                return .transport(url: url, reason: "too many redirects")
            case .redirectToNonExistentLocation:
                return .transport(url: url, reason: "redirected to nowhere")
            case .unsupportedURL:
                return .transport(url: url, reason: "unsupported URL")
            case .cancelled:
                return .transport(url: url, reason: "cancelled")
            default:
                // libcurl errors without a URLError of their own (a body
                // shorter than announced, a reset) arrive as -1, "unknown".
                lock.lock()
                defer { lock.unlock() }
                let of = (announced ?? expectedSize).map { " of \(FetchError.bytes($0))" } ?? ""
                let code = error.code == NSURLErrorUnknown ? "" : " (network error \(error.code))"
                return .transport(url: url, reason: "transfer failed after \(FetchError.bytes(received))\(of)\(code)")
            }
        }
    }
}

/// Downloads a data set's files into a directory, verifying each against
/// its published digest; a corrupted, oversized or late download is never
/// written. Files already present and verified are kept.
///
/// Each download streams into a temporary file beside its target, within
/// ``DownloadLimits``, and is renamed into place only once its size and
/// checksum match: the target is the old file or the verified new one,
/// never a part.
public struct DatasetFetcher: Sendable {
    public var manifest: DatasetManifest
    public var getter: any HTTPGetting
    public var limits: DownloadLimits

    /// - Parameter mirror: a base URL used instead of the manifest's own.
    public init(manifest: DatasetManifest, mirror: String? = nil, limits: DownloadLimits = DownloadLimits(),
                getter: any HTTPGetting = URLSessionGetter()) {
        var m = manifest
        if let mirror { m.mirrors = [mirror.hasSuffix("/") ? mirror : mirror + "/"] }
        self.manifest = m
        self.limits = limits
        self.getter = getter
    }

    public enum Event: Sendable {
        case alreadyPresent(file: String)
        case downloading(url: String)
        case verified(file: String, bytes: Int)
        case rejected(FetchError)
    }

    /// Fetches every file into `directory` (created if needed); returns the paths.
    ///
    /// Every target is checked before any download: something other than a
    /// regular file there (a FIFO, a device, a directory) is an error naming it.
    public func fetch(to directory: String, onEvent: (Event) -> Void = { _ in }) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let targets = manifest.files.map { "\(directory)/\($0.name)" }
        for path in targets {
            if let fd = try Self.openExisting(path) { close(fd) }
        }
        var paths: [String] = []
        for (file, path) in zip(manifest.files, targets) {
            if let fd = try Self.openExisting(path) {
                let verdict = try? manifest.verify(file, fd: fd)
                close(fd)
                if verdict == .verified {
                    onEvent(.alreadyPresent(file: path))
                    paths.append(path)
                    continue
                }
            }
            var attempts: [String] = []
            var saved = false
            for base in manifest.mirrors {
                let url = base + file.name
                onEvent(.downloading(url: url))
                do {
                    let bytes = try download(file, from: url, to: path)
                    onEvent(.verified(file: path, bytes: bytes))
                    saved = true
                    break
                } catch let error as FetchError {
                    if case .cannotWrite = error { throw error }
                    onEvent(.rejected(error))
                    attempts.append(error.description)
                } catch {
                    // A getter other than URLSessionGetter may throw its own errors.
                    let failure = FetchError.transport(url: url, reason: "\(error)")
                    onEvent(.rejected(failure))
                    attempts.append(failure.description)
                }
            }
            guard saved else { throw FetchError.allMirrorsFailed(file: file.name, attempts: attempts) }
            paths.append(path)
        }
        return paths
    }

    /// Streams `url` into a temporary file beside `path`, verifies it and
    /// renames it into place; returns its size.
    func download(_ file: DatasetManifest.File, from url: String, to path: String) throws -> Int {
        var fileLimits = limits
        if let size = file.size { fileLimits.maxBytes = min(size, limits.maxBytes) }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw FetchError.cannotWrite(path: path, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        let bytes = try getter.get(url, limits: fileLimits, expectedSize: file.size, writingTo: fd)
        let verdict: DatasetManifest.Verdict
        do {
            verdict = try manifest.verify(file, fd: fd)
        } catch {
            throw FetchError.cannotWrite(path: temporary, reason: "cannot read it back: \(error)")
        }
        if case let .mismatch(count, md5) = verdict {
            throw FetchError.checksumMismatch(url: url, expectedMD5: file.md5, actualMD5: md5, bytes: count, expectedBytes: file.size)
        }
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else { throw FetchError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        guard rename(temporary, path) == 0 else {
            throw FetchError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        renamed = true
        // Make the rename itself durable.
        let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if directoryFD >= 0 { fsync(directoryFD); close(directoryFD) }
        return bytes
    }

    /// Opens the file at `path` for reading if it is a regular file; nil if
    /// nothing is there. Opening does not block on a FIFO (O_NONBLOCK), and
    /// nothing but a regular file is ever read.
    static func openExisting(_ path: String) throws -> Int32? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FetchError.unusableTarget(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw FetchError.unusableTarget(path: path, reason: "cannot stat: \(reason)")
        }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            // Regular files never block; clear the flag for plain reads.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return fd
        case S_IFIFO: kind = "a FIFO"
        case S_IFDIR: kind = "a directory"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "an unknown kind of file"
        }
        close(fd)
        throw FetchError.unusableTarget(path: path, reason: "is \(kind), not a regular file; remove it or choose another directory")
    }
}
