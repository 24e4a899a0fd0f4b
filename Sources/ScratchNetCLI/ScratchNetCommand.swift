import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet`: train, evaluate and benchmark neural networks on the CPU.
@main
struct ScratchNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scratchnet",
        abstract: "Train neural networks on multi-core CPUs, from scratch.",
        discussion: ExitStatus.help,
        version: ScratchNetVersion.string,
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, ExportCommand.self, ImportCommand.self,
                      QuantizeCommand.self, SummaryCommand.self, DemoCommand.self, SearchCommand.self,
                      HistogramsCommand.self, ShowCommand.self, DataCommand.self],
        defaultSubcommand: nil
    )

    /// Runs the command; every error ends the process with one line on
    /// standard error and its sysexits status (``ExitStatus``).
    static func main() {
        lineBufferStandardOutput()
        do {
            if let problem = InstructionSetLimit.problem(in: ProcessInfo.processInfo.environment) {
                throw ValidationError(problem)
            }
            var command = try parseAsRoot(NegativeNumberArguments.join(Array(CommandLine.arguments.dropFirst())))
            MetricsOutput.prepare(for: command)
            try command.run()
            OutputLock.releaseAll()
        } catch let interrupted as TrainingInterrupted {
            fflush(nil)
            OutputLock.releaseAll()
            FileHandle.standardError.write(Data("\(interrupted.message)\n".utf8))
            Foundation.exit(Interrupts.exitStatus)
        } catch {
            if let failure = CLIFailure(classifying: error) {
                Self.fail(failure.message, status: failure.status.rawValue)
            }
            let code = exitCode(for: error)
            // Help, version and completion scripts: the parser prints them.
            if code == .success { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            Self.fail(message, status: code.rawValue)
        }
    }

    /// Makes standard output line-buffered when it is not a terminal, so
    /// per-epoch lines reach a pipe or `tee` as they are printed. (C's
    /// `stdout`, which `print` writes to, is found by name: Swift 6 refuses
    /// to read a mutable C global directly.)
    static func lineBufferStandardOutput() {
        guard isatty(STDOUT_FILENO) == 0, let symbol = dlsym(nil, "stdout") else { return }
        setvbuf(symbol.load(as: UnsafeMutablePointer<FILE>.self), nil, _IOLBF, 0)
    }

    static func fail(_ message: String, status: Int32) -> Never {
        fflush(nil)
        OutputLock.releaseAll()
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(status)
    }
}
