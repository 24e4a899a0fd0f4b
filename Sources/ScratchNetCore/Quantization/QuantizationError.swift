/// Why a network cannot be quantized or an int8 model file cannot be used.
public struct QuantizationError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
