/// How a layer's weights are drawn before training (biases start at zero).
///
/// The book's three choices: a fixed standard deviation (its default 0.01),
/// Xavier (std √(1/fan_in), suited to sigmoid and tanh) and He
/// (std √(2/fan_in), suited to ReLU).
public enum WeightInitializer: Equatable, Sendable, Codable, CustomStringConvertible {
    case gaussian(std: Float)
    case xavier
    case he

    /// The standard deviation for a layer with `fanIn` inputs per output.
    public func standardDeviation(fanIn: Int) -> Float {
        switch self {
        case .gaussian(let std): return std
        case .xavier: return (1 / Float(max(fanIn, 1))).squareRoot()
        case .he: return (2 / Float(max(fanIn, 1))).squareRoot()
        }
    }

    /// Fills `tensor` with N(0, std²) draws from `rng`.
    public func fill(_ tensor: Tensor, fanIn: Int, using rng: inout SeededGenerator) {
        let std = Double(standardDeviation(fanIn: fanIn))
        for i in 0..<tensor.count {
            tensor.pointer[i] = Float(rng.nextGaussian() * std)
        }
    }

    /// Parses "he", "xavier", or a number used as the std ("0.01").
    public init?(argument: String) {
        switch argument.lowercased() {
        case "he", "relu": self = .he
        case "xavier", "sigmoid": self = .xavier
        default:
            guard let std = Float(argument), std > 0, std.isFinite else { return nil }
            self = .gaussian(std: std)
        }
    }

    public var description: String {
        switch self {
        case .gaussian(let std): return "\(std)"
        case .xavier: return "xavier"
        case .he: return "he"
        }
    }
}
