import ArgumentParser
import Foundation
import ScratchNet

/// `train`'s output flags besides the model and checkpoint files.
struct OutputOptions: ParsableArguments {
    @Option(help: "Write a JSON summary of the run to this file; '-' writes it to standard output and the progress lines to standard error.",
            completion: .file(extensions: ["json"]))
    var metricsJson: String?

    @Option(help: ArgumentHelp("Write an HTML report with charts to DIR/report.html (DIR is created).", valueName: "dir"),
            completion: .directory)
    var report: String?

    @Flag(help: "Print only the final summary.")
    var quiet = false
}

/// A command whose `--metrics-json` may be `-` (standard output).
protocol WritesMetrics {
    var output: OutputOptions { get }
}

extension TrainCommand: WritesMetrics {}

/// `--metrics-json -`: the JSON summary is the only thing on standard
/// output, so a pipe such as `| jq` reads valid JSON; every human line goes
/// to standard error.
enum MetricsOutput {
    /// The path that means standard output.
    static let standardOutput = "-"

    /// The descriptor the summary goes to once ``prepare(for:)`` has moved
    /// standard output aside (nil: it has not).
    nonisolated(unsafe) private static var metricsDescriptor: Int32?

    /// Before the command runs: when it writes metrics to standard output,
    /// keeps that descriptor for the summary and points descriptor 1 (and so
    /// every `print`) at standard error.
    static func prepare(for command: any ParsableCommand) {
        guard let command = command as? any WritesMetrics, command.output.metricsJson == standardOutput else { return }
        fflush(nil)
        let saved = dup(STDOUT_FILENO)
        guard saved >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else { return }
        metricsDescriptor = saved
    }

    /// Writes `bytes` to `path`, atomically, or to standard output for `-`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        guard path == standardOutput else { return try AtomicFile.write(bytes, to: path) }
        fflush(nil)
        let descriptor = metricsDescriptor ?? STDOUT_FILENO
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.cannotCreate, "--metrics-json: cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// The files among `paths`: `-` is not one.
    static func files(_ paths: [String?]) -> [String] {
        paths.compactMap { $0 }.filter { $0 != standardOutput }
    }
}

/// Checks that an output can be written, before any work starts, so a typo
/// never costs a run.
enum OutputPath {
    /// Refuses a file path whose directory is missing or read-only, or that
    /// names a directory (exit 73); an empty path is a usage error (64).
    static func checkWritable(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw CLIFailure(.usage, "\(flag) needs a file name, got an empty one") }
        if path == MetricsOutput.standardOutput, flag == "--metrics-json" { return }
        let directory = parent(of: path)
        try checkDirectory(directory.isEmpty ? "." : directory, flag: flag, mayCreate: false)
        if isDirectory(path) { throw CLIFailure(.cannotCreate, "\(flag): cannot write \(path): it is a directory") }
        // Outputs are renamed into place: a device or FIFO would be replaced, not written.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw CLIFailure(.cannotCreate, "\(flag): cannot write \(path): it is not a regular file")
        }
    }

    /// Refuses a directory that cannot be created or written: it must be a
    /// writable directory, or be creatable under its nearest existing
    /// ancestor (exit 73).
    static func checkDirectory(_ path: String, flag: String, mayCreate: Bool) throws {
        if FileManager.default.fileExists(atPath: path) {
            guard isDirectory(path) else { throw CLIFailure(.cannotCreate, "\(flag): \(path) is not a directory") }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw CLIFailure(.cannotCreate, "\(flag): directory \(path) is not writable")
            }
            return
        }
        guard mayCreate else { throw CLIFailure(.cannotCreate, "\(flag): directory \(path) does not exist") }
        let enclosing = parent(of: path)
        try checkDirectory(enclosing.isEmpty ? "." : enclosing, flag: flag, mayCreate: true)
    }

    /// The directory part of `path`: "" for a bare name, "/" for a name
    /// in the root. (Foundation's `deletingLastPathComponent` traps on
    /// some one-character non-ASCII names such as "é".)
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
