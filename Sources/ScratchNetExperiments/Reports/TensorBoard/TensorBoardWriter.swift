import Foundation
import SwiftProtobuf

/// Writes scalars as a TensorBoard event file that `tensorboard --logdir`
/// and its Python event readers open: TFRecord-framed `Event` protobufs,
/// the first carrying the file version "brain.Event:2".
///
/// Each record goes to the file with one `write` as it is added (no
/// buffering in this process), so TensorBoard shows a run while it trains.
public final class TensorBoardWriter {
    /// Why the event file could not be made or written.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The event file: DIR/events.out.tfevents.<seconds>.<host>.<pid>[.n],
    /// TensorBoard's own naming (it reads every file whose name holds "tfevents").
    public let path: String
    private var descriptor: Int32

    /// Creates `directory` if needed and a new event file in it (never
    /// replacing one: a second file of the same second gets a suffix).
    /// - Parameter wallTime: the first record's time, seconds since 1970.
    public init(directory: String, wallTime: Double = TensorBoardWriter.now()) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(path: directory, reason: "cannot create the directory")
        }
        let base = directory + "/events.out.tfevents.\(Int(wallTime)).\(Self.hostName()).\(getpid())"
        var candidate = base
        var fd: Int32 = -1
        for n in 0..<1000 {
            candidate = n == 0 ? base : base + ".\(n)"
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw Failure(path: candidate, reason: String(cString: strerror(errno))) }
        path = candidate
        descriptor = fd
        var event = Tensorboard_Event()
        event.wallTime = wallTime
        event.fileVersion = "brain.Event:2"
        try append(event)
    }

    deinit { close() }

    /// Adds one record of `scalars` (tag, value) at `step`; tags such as
    /// "loss/train" group into sections in TensorBoard.
    public func add(scalars: [(tag: String, value: Float)], step: Int, wallTime: Double = TensorBoardWriter.now()) throws {
        var event = Tensorboard_Event()
        event.wallTime = wallTime
        event.step = Int64(step)
        event.summary = Tensorboard_Summary.with { summary in
            summary.value = scalars.map { scalar in
                Tensorboard_Summary.Value.with {
                    $0.tag = scalar.tag
                    $0.simpleValue = scalar.value
                }
            }
        }
        try append(event)
    }

    /// Closes the file (further adds fail); called on deinit too.
    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    private func append(_ event: Tensorboard_Event) throws {
        let record = TFRecord.frame(Array(try event.serializedBytes() as [UInt8]))
        guard descriptor >= 0 else { throw Failure(path: path, reason: "the event file is closed") }
        var offset = 0
        while offset < record.count {
            let written = record[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Seconds since 1970, as event records carry them.
    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// This machine's name, with characters unsafe in a file name replaced.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = String(name.map { $0 == "/" || $0.isWhitespace ? "_" : $0 })
        return safe.isEmpty ? "localhost" : safe
    }
}
