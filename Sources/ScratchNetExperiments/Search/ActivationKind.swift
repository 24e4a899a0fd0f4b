import ScratchNetCore

/// An activation a search may choose between the affine layers of the
/// perceptron presets: the three the layers provide.
public enum ActivationKind: String, CaseIterable, Sendable, Codable {
    case relu, sigmoid, tanh

    /// The layer it stands for.
    public var layer: LayerSpec {
        switch self {
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        }
    }

    /// `spec` with every activation layer replaced by this one; the other
    /// layers (and so the parameter shapes) are unchanged.
    public func replacingActivations(in spec: NetworkSpec) -> NetworkSpec {
        var result = spec
        result.layers = spec.layers.map { layer in
            Self.allCases.contains { $0.layer == layer } ? self.layer : layer
        }
        return result
    }
}
