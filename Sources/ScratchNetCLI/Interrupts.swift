import Foundation
import Synchronization

/// SIGINT and SIGTERM as a request to stop training cleanly.
///
/// The first signal only sets a flag (an atomic store: async-signal-safe);
/// the training loop reads it after each step, finishes the step, writes a
/// checkpoint when checkpointing is on and ends the process with status
/// 130. A second signal ends the process at once with status 130.
enum Interrupts {
    /// The first signal received, or 0.
    private static let received = Atomic<Int32>(0)

    /// Exit status of an interrupted run (128 + SIGINT, as shells report it).
    static let exitStatus = ExitStatus.interrupted.rawValue

    /// Installs the handlers for SIGINT and SIGTERM and unblocks both on
    /// the calling thread (a parent may hand down a mask that blocks them).
    /// A signal the process was started ignoring stays ignored, as shells
    /// expect of background jobs.
    static func install() {
        _ = received.load(ordering: .relaxed)  // initialized before a handler can read it
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            if Interrupts.received.exchange(signal, ordering: .sequentiallyConsistent) != 0 {
                _exit(Interrupts.exitStatus)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(signal, nil, &current)
            if address(of: current.__sigaction_handler.sa_handler) == address(of: SIG_IGN) { continue }
            sigaction(signal, &action, nil)
            sigaddset(&unblock, signal)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// A signal disposition as a number (C function pointers compare by address).
    private static func address(of handler: (@convention(c) (Int32) -> Void)?) -> Int {
        handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
    }

    /// True once SIGINT or SIGTERM has arrived.
    static var requested: Bool { received.load(ordering: .sequentiallyConsistent) != 0 }

    /// The stop for a signal that arrived after the last step (during the
    /// final evaluation or the writing of the results). The run's work is
    /// complete, so the model already written stays (every write is atomic:
    /// a file is whole or absent); what remains (report, metrics, the
    /// closing line) is skipped, and the process still ends with 130.
    static func afterLastStep(saved path: String?) -> TrainingInterrupted {
        TrainingInterrupted(message: "interrupted after the last step; "
            + (path.map { "the model was saved to \($0)" } ?? "training finished but nothing was saved (no --save)"))
    }
}

/// Training stopped on SIGINT/SIGTERM; `message` is the one line to print
/// (where it stopped, and how to resume or that nothing was saved).
struct TrainingInterrupted: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
