import ArgumentParser
import Foundation
import ScratchNet

/// `--threads`: how many cores a command's kernels use.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Kernel threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads { guard threads >= 1 else { throw ValidationError("--threads must be >= 1, got \(threads)") } }
    }

    /// `--threads`, else `cores` (all of this machine's by default).
    func count(default cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        threads ?? max(1, cores)
    }
}
