import ArgumentParser
import Foundation
import ScratchNet

// Every option with a fixed set of values is parsed once, by the argument
// parser, into the library's own type: a bad value is a usage error (exit 64)
// that lists the choices, and shells complete the choices.

extension Preset: ExpressibleByArgument {}

extension Backend: ExpressibleByArgument {}

/// Names in any case ("Adam", "RMSprop"), as `OptimizerKind(argument:)`.
extension OptimizerKind: ExpressibleByArgument {}

/// he | xavier | a positive standard deviation such as 0.01.
extension WeightInitializer: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .list(["he", "xavier"]) }
}

/// constant | cosine | cosine:FLOOR | step:EPOCHS:FACTOR.
extension LearningRateSchedule: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .list(["constant", "cosine", "cosine:0.1", "step:10:0.5"]) }
}

/// none | a comma-separated list of flip and shift:N.
extension Augmentation: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .list(["none", "flip", "shift:2", "flip,shift:2"]) }
}

/// `-6,-2` (log10 exponents) or `1e-6:1e-2` (values).
extension LogUniformRange: ExpressibleByArgument {}

/// The activation between the affine layers of the perceptron presets.
enum Activation: String, CaseIterable, ExpressibleByArgument, Sendable {
    case relu, sigmoid, tanh

    var layer: LayerSpec {
        switch self {
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        }
    }
}

/// What `--checkpoint-every` counts.
enum CheckpointUnit: String, CaseIterable, ExpressibleByArgument, Sendable {
    case epochs, steps
}

/// `--hidden 256,256`: positive layer sizes, comma-separated.
struct HiddenSizes: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    var sizes: [Int]

    init(_ sizes: [Int]) { self.sizes = sizes }

    /// The widest hidden layer: 65536 units (a 65536² affine is 16 GiB).
    static let maximumSize = 1 << 16
    /// The most hidden layers.
    static let maximumLayers = 1000

    init?(argument: String) {
        let sizes = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.count <= Self.maximumLayers,
              sizes.allSatisfy({ (1...Self.maximumSize).contains($0 ?? 0) }) else { return nil }
        self.sizes = sizes.map { $0! }
    }

    var description: String { sizes.map(String.init).joined(separator: ",") }
}

