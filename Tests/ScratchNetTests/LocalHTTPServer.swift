import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that serves
/// fixed bodies by path, one connection at a time, for download tests
/// that must not touch the network; it can also play a hostile mirror
/// (a trickle, a lying Content-Length, an endless body, a gzip bomb).
final class LocalHTTPServer: @unchecked Sendable {
    /// What the server answers for one path.
    enum Reply {
        /// 200 with this body and its Content-Length.
        case body([UInt8])
        /// 200 with `count` bytes of ``pattern(_:)`` sent `chunk` bytes at a
        /// time, `delay` seconds apart; announces `contentLength` (nil: no
        /// Content-Length, the body ends when the connection closes).
        case stream(count: Int, contentLength: Int?, chunk: Int, delay: Double)
        /// 200 with `Content-Encoding: gzip` and this (compressed) body.
        case gzipEncoded([UInt8])
        /// 302 to this path on the same server.
        case redirect(String)
    }

    let port: UInt16
    private let listener: Int32
    private let replies: [String: Reply]
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    // Guarded by `lock`: the connection being served, and whether `stop` was called.
    private var client: Int32 = -1
    private var stopping = false

    var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// Byte `i` of a streamed body.
    static func patternByte(_ i: Int) -> UInt8 { UInt8(i % 251) }

    /// The first `count` bytes of a streamed body.
    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map(patternByte) }

    convenience init(files: [String: [UInt8]]) throws {
        try self.init(replies: files.mapValues { .body($0) })
    }

    init(replies: [String: Reply]) throws {
        self.replies = replies
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Serves until ``stop()``. Only this thread closes the listener: were
    /// `stop` to close it, its descriptor number could be reused by another
    /// server's socket while this thread still calls accept on it.
    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { break }
            lock.lock()
            let stopped = stopping
            self.client = client
            lock.unlock()
            if !stopped { handle(client) }
            lock.lock()
            self.client = -1
            lock.unlock()
            close(client)
        }
        close(listener)
        done.signal()
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            request += buffer[0..<n]
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        let path = line.count >= 2 ? String(line[1]) : "/"
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n"
        switch replies[path] {
        case nil:
            _ = sendAll(client, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        case .body(let body)?:
            guard sendAll(client, Array((ok + "Content-Length: \(body.count)\r\n\r\n").utf8)) else { return }
            _ = sendAll(client, body)
        case .gzipEncoded(let body)?:
            guard sendAll(client, Array((ok + "Content-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n").utf8)) else { return }
            _ = sendAll(client, body)
        case .redirect(let location)?:
            _ = sendAll(client, Array("HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        case let .stream(count, contentLength, chunk, delay)?:
            let length = contentLength.map { "Content-Length: \($0)\r\n" } ?? ""
            guard sendAll(client, Array((ok + length + "\r\n").utf8)) else { return }
            // One period longer than a chunk: any chunk is a slice of it.
            let periodic = Self.pattern(chunk + 251)
            var sent = 0
            while sent < count && !isStopping {
                if delay > 0 { usleep(UInt32(delay * 1e6)) }
                let n = min(chunk, count - sent)
                guard sendAll(client, periodic[(sent % 251)..<(sent % 251 + n)]) else { return }
                sent += n
            }
        }
    }

    /// Sends every byte; false when the client has gone.
    private func sendAll(_ client: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let ok: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = send(client, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return ok ?? sendAll(client, Array(bytes))
    }

    /// Stops accepting, ends the connection being served (a slow stream
    /// included) and waits for the serving thread to end.
    func stop() {
        lock.lock()
        stopping = true
        if client >= 0 { shutdown(client, Int32(SHUT_RDWR)) }
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        done.wait()
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
