import ArgumentParser
import Foundation
import ScratchNet

/// The exit statuses of `scratchnet`, from BSD's sysexits.h, so scripts can
/// tell a typo from bad data from a full disk.
enum ExitStatus: Int32, Sendable {
    /// Anything else: training diverged, an MPI failure, ...
    case failure = 1
    /// EX_USAGE: an unknown flag, a bad value, a combination that does not apply.
    case usage = 64
    /// EX_DATAERR: an input file is malformed (IDX, CSV, model, config).
    case dataError = 65
    /// EX_NOINPUT: an input file or directory does not exist or cannot be read.
    case noInput = 66
    /// EX_CANTCREAT: an output file cannot be created or written.
    case cannotCreate = 73
    /// 128 + SIGINT: training stopped on SIGINT or SIGTERM (``Interrupts``).
    case interrupted = 130

    /// The list `scratchnet --help` prints.
    static let help = """
    Exit status: 0 success, 64 usage error (bad flag or value), 65 malformed \
    input data, 66 missing input file or directory, 73 an output cannot be \
    written (or another run is writing it), 130 interrupted by SIGINT or \
    SIGTERM, 1 anything else (e.g. training diverged). Errors are one line on \
    standard error.
    """
}

/// An error the user must act on, with its exit status; one line.
struct CLIFailure: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    /// Any error as one line in the project's words and its exit status, or
    /// nil for the argument parser's own errors (help, usage) which it
    /// reports itself.
    init?(classifying error: Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let error as DataError:
            if case .fileNotFound = error { self.init(.noInput, "\(error)") } else { self.init(.dataError, "\(error)") }
        case is SizeOverflow, is PNGDecoder.Failure, is PGMDecoder.Failure:
            self.init(.dataError, "\(error)")
        case let error as SerializationError where error.kind != .io:
            // A model or checkpoint file that is malformed or does not fit.
            self.init(.dataError, "\(error)")
        case let error as TrainingError:
            switch error {
            case .nonFiniteLoss: self.init(.failure, "\(error)")
            case .invalidOption: self.init(.usage, "\(error)")
            case .incompatibleData: self.init(.dataError, "\(error)")
            }
        case let error as AtomicFile.Failure:
            self.init(.cannotCreate, "\(error)")
        case let error as TrainingStopped:
            self.init(.failure, error.message)
        case is ValidationError, is CleanExit, is ExitCode:
            return nil
        case let error as CocoaError:
            self = Self.foundation(error as NSError)
        case let error as POSIXError:
            self.init(.failure, String(cString: strerror(error.code.rawValue)))
        default:
            let type = String(reflecting: Swift.type(of: error))
            // The argument parser's own errors (unknown flag, bad value) are
            // internal types of its module.
            if type.hasPrefix("ArgumentParser.") { return nil }
            if (error as NSError).domain == NSCocoaErrorDomain {
                self = Self.foundation(error as NSError)
            } else {
                self.init(.failure, "\(error)")
            }
        }
        message = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
    }

    /// "cannot write PATH: REASON" for a Foundation file error.
    static func foundation(_ error: NSError) -> CLIFailure {
        let path = (error.userInfo[NSFilePathErrorKey] as? String)
            ?? (error.userInfo[NSURLErrorKey] as? URL)?.path ?? "file"
        var reason = error.localizedFailureReason ?? error.localizedDescription
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        }
        let code = CocoaError.Code(rawValue: error.code)
        let reading = code.rawValue >= CocoaError.fileReadUnknown.rawValue && code.rawValue < CocoaError.fileWriteUnknown.rawValue
            || code == .fileNoSuchFile
        return reading ? CLIFailure(.noInput, "cannot read \(path): \(reason)")
            : CLIFailure(.cannotCreate, "cannot write \(path): \(reason)")
    }
}
