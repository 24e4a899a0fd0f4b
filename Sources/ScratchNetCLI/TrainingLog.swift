import Foundation

/// `train --log FILE.jsonl`: one JSON object per line, written with one
/// `write` as it happens (no buffering here), so `tail -f` and dashboards
/// follow the run. A fresh run starts the file anew; `--resume` appends.
final class TrainingLog {
    /// One line of the log. Absent values (an accuracy not measured) are
    /// left out rather than written as null.
    struct Record: Encodable {
        /// "step" (every --log-every steps), "epoch" or "end".
        var kind: String
        var epoch: Int
        /// Steps taken since the start of the run.
        var step: Int
        /// Step records: the epoch's running mean loss so far; epoch records: the epoch's mean.
        var loss: Double?
        var train_accuracy: Double?
        var validation_accuracy: Double?
        var test_accuracy: Double?
        var learning_rate: Double?
        var samples_per_second: Double?
        /// Seconds since the run started.
        var wall_time: Double
        /// Seconds since 1970.
        var time: Double
        /// "end" records: the best epoch by the monitored accuracy.
        var best_epoch: Int?
        var best_metric: String?
        var best_accuracy: Double?
        var stopped_early: Bool?
    }

    let path: String
    private let descriptor: Int32
    private let encoder: JSONEncoder

    init(path: String, append: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw CLIFailure(.cannotCreate, "--log: cannot open \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = fd
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    deinit { close(descriptor) }

    /// A Float as the Double with its shortest decimal form (0.1, not
    /// 0.10000000149011612), which is what a reader of the log expects.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    func append(_ record: Record) throws {
        let line = Array(try encoder.encode(record)) + [10]
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.cannotCreate, "--log: cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
