#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// The error codes of the C API; `include/scratchnet.h` repeats them as
/// `SCRATCHNET_*` constants and the two lists must stay identical.
enum Status: Int32 {
    case ok = 0
    case invalidArgument = 1
    case invalidSpec = 2
    case outOfMemory = 3
    case io = 4
    case notSupported = 5
    case diverged = 6
    case internalError = 7
}

/// The thread-local "last error" message: set by every failing call, read by
/// `scratchnet_last_error`. Each thread owns a `strdup`ed copy, freed when the
/// next message replaces it or the thread ends.
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

func setLastError(_ message: String) {
    let old = pthread_getspecific(lastErrorKey)
    pthread_setspecific(lastErrorKey, strdup(message))
    free(old)
}

func lastErrorMessage() -> UnsafePointer<CChar>? {
    pthread_getspecific(lastErrorKey).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
}

/// Records `message` (thread-locally and on `model`, if any) and returns `status`.
func fail(_ status: Status, _ message: String, model: ModelHandle? = nil) -> Int32 {
    setLastError(message)
    model?.setLastError(message)
    return status.rawValue
}

/// Maps a thrown Swift error to a status and its message.
func fail(_ error: any Error, context: String, model: ModelHandle? = nil) -> Int32 {
    let status: Status
    switch error {
    case let e as ArenaError:
        if case .systemOutOfMemory = e { status = .outOfMemory } else { status = .invalidArgument }
    case is NetworkShapeError, is DecodingError:
        status = .invalidSpec
    case is TrainingError:
        status = .diverged
    default:
        status = .io
    }
    return fail(status, "\(context): \(error)", model: model)
}
