import Foundation

/// A started `scratchnet` whose merged output is read through a pipe as it
/// arrives, so a test can act (signal it, start a rival) mid-run.
final class RunningCommand {
    let process: Process
    private let handle: FileHandle
    private var bytes = Data()

    init(_ arguments: [String]) throws {
        process = try TestTools.start(TestTools.scratchnet!, arguments)
        handle = (process.standardOutput as! Pipe).fileHandleForReading
    }

    var output: String { String(decoding: bytes, as: UTF8.self) }
    var pid: Int32 { process.processIdentifier }

    /// Reads until `text` has appeared; false if the output ended first.
    func waitFor(_ text: String) -> Bool {
        while !output.contains(text) {
            let chunk = handle.availableData
            if chunk.isEmpty { return false }
            bytes.append(chunk)
        }
        return true
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Reads the rest of the output and waits for the exit: the status,
    /// and whether a signal ended the process.
    func finish() -> (status: Int32, signaled: Bool) {
        bytes.append(handle.readDataToEndOfFile())
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }
}
