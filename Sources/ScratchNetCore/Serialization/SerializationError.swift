/// Why a safetensors, model or checkpoint file could not be read or used.
/// Every message is one line that names the file and what is wrong in it.
public struct SerializationError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Not even room for the 8-byte header length.
        case truncatedFile
        /// The header length points past the end of the file.
        case headerLengthTooLarge
        case invalidHeader
        case unknownDType
        /// A tensor's shape and dtype need another byte count than its offsets hold.
        case shapeOffsetMismatch
        case gapBetweenTensors
        case overlappingTensors
        /// The data section is shorter than the tensors claim.
        case truncatedData
        case trailingBytes
        case missingTensor
        case unexpectedTensor
        case wrongShape
        case wrongDType
        case missingMetadata
        case invalidMetadata
        /// The file was written for another network or run.
        case incompatible
        case io
    }

    public let kind: Kind
    public let path: String
    public let message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
