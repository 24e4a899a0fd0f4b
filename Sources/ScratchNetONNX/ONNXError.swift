/// Why an ONNX file could not be imported or a network exported: one line
/// naming the file, the node (and its operator) when there is one, and the
/// cause.
public struct ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Not a protobuf ModelProto (truncated, corrupt, or another file).
        case malformed
        /// A node whose operator (or domain) ScratchNet has no layer for.
        case unsupportedOperator
        /// A supported operator with an attribute or input form that has no
        /// exact ScratchNet equivalent (dilations, groups, ceil_mode, …).
        case unsupportedAttribute
        /// A tensor, input or output whose shape or type does not fit.
        case shape
        /// The graph as a whole: not one chain from one input to one output,
        /// an opset outside the supported range, external data.
        case unsupportedGraph
    }

    public let kind: Kind
    /// The file (or "ONNX bytes") the error is about.
    public let source: String
    /// The node's name, or its index as "#3" when it has none; nil for the
    /// whole model.
    public let node: String?
    /// The node's operator type, e.g. "Conv".
    public let op: String?
    public let message: String

    public init(_ kind: Kind, source: String, node: String? = nil, op: String? = nil, _ message: String) {
        self.kind = kind
        self.source = source
        self.node = node
        self.op = op
        self.message = message
    }

    public var description: String {
        var where_ = source
        if let node { where_ += ": node '\(node)'" + (op.map { " (\($0))" } ?? "") }
        return "\(where_): \(message)"
    }
}
