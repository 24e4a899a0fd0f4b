import ArgumentParser
import Foundation
import ScratchNet

/// `--threads`: how many cores a command's kernels use.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Kernel threads (default: all cores).")
    var threads: Int?

    /// The most threads a command may ask for: 4 per core, at most 1024.
    /// More only adds wake-ups, and each thread costs a stack; a typo such
    /// as `--threads 100000` must not spawn them.
    static var maximum: Int { min(4 * max(ProcessInfo.processInfo.activeProcessorCount, 1), 1024) }

    func validate() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be >= 1, got \(threads)") }
            guard threads <= Self.maximum else {
                throw ValidationError("--threads must be at most \(Self.maximum) (4 per core on this machine, at most 1024), got \(threads)")
            }
        }
    }

    /// `--threads`, else `cores` (all of this machine's by default).
    func count(default cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        threads ?? max(1, cores)
    }
}
