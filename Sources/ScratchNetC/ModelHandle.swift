#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// What a `scratchnet_model *` points to: a network with an SGD optimizer
/// (which has no state, so inference-only users pay nothing for it) and the
/// handle's own last-error message.
final class ModelHandle {
    let network: Network
    let sgd: SGD
    /// The int8 model when the handle was loaded from an int8 file; it then
    /// predicts, and `network` (the float architecture) serves info only.
    var quantized: QuantizedNetwork?
    private var lastError: UnsafeMutablePointer<CChar>?

    init(network: Network, sgd: SGD) {
        self.network = network
        self.sgd = sgd
    }

    deinit { free(lastError) }

    func setLastError(_ message: String) {
        free(lastError)
        lastError = strdup(message)
    }

    var lastErrorPointer: UnsafePointer<CChar>? { lastError.map { UnsafePointer($0) } }

    /// A +1 reference for C; `release` balances it.
    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> ModelHandle {
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer) {
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
