import ArgumentParser
import Foundation
import ScratchNet

/// `--data`: where a command reads its samples, shared by every command
/// that reads a data set.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A directory of MNIST-format IDX files, or a CSV file (label column, then features) where the command reads one (default: $\(MNISTFormat.directoryVariable), else \(MNISTFormat.defaultDirectory)).",
        valueName: "path"), completion: .file())
    var data: String?

    /// `--data`, else `$SCRATCHNET_DATA`, else the Debian package's directory.
    var directory: String {
        Self.resolve(data, environment: ProcessInfo.processInfo.environment)
    }

    static func resolve(_ data: String?, environment: [String: String]) -> String {
        data ?? environment[MNISTFormat.directoryVariable] ?? MNISTFormat.defaultDirectory
    }

    /// Refuses, before any work, a data path that does not exist (exit 66).
    static func requireExisting(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIFailure(.noInput, "data: \(path): no such file or directory (pass --data or set $\(MNISTFormat.directoryVariable))")
        }
    }
}
