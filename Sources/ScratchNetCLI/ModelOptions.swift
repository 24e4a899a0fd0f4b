import ArgumentParser
import ScratchNet

/// The architecture flags shared by `train` and `search`. Every one is
/// optional so that a value from `--config` fills only what the command line
/// left out; ``ModelChoice`` holds the resolved values.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model preset (default: two-layer).")
    var model: Preset?

    @Option(help: ArgumentHelp("Hidden layer sizes for --model mlp, comma-separated (e.g. 256,256,256).", valueName: "sizes"))
    var hidden: HiddenSizes?

    @Option(help: "Activation between affine layers (default: relu).")
    var activation: Activation?

    @Flag(inversion: .prefixedNo, help: "BatchNorm after each hidden affine layer, before its activation (two-layer, mlp; default: off).")
    var batchnorm: Bool?

    @Option(help: "Dropout ratio after each hidden activation, e.g. 0.2 (two-layer, mlp; inverted dropout).")
    var dropout: Float?

    @Option(name: [.customLong("init"), .customLong("initializer")],
            help: ArgumentHelp("Weight initializer: he, xavier, or a standard deviation such as 0.01 (default: he).", valueName: "init"))
    var initializer: WeightInitializer?
}

/// A network architecture, resolved from flags and config file: the one
/// place a network spec is built, for local and distributed training alike.
struct ModelChoice: Equatable, Sendable {
    var preset: Preset = .twoLayer
    var hidden: HiddenSizes?
    var activation: Activation = .relu
    var batchNorm = false
    var dropout: Float?
    var initializer: WeightInitializer = .he
    var weightDecay: Float = 0

    /// Refuses combinations the presets do not have.
    func validate() throws {
        if let hidden, preset == .fastCNN, !(1...4).contains(hidden.sizes.count) || hidden.sizes.contains(where: { $0 > 1024 }) {
            throw ValidationError("--hidden for fast-cnn gives 1 to 4 block widths of at most 1024 filters, got \(hidden)")
        }
        if hidden != nil, preset != .mlp, preset != .fastCNN { throw ValidationError("--hidden applies to --model mlp (layer sizes) and fast-cnn (block widths) only") }
        if let dropout { guard dropout > 0, dropout < 1 else { throw ValidationError("--dropout must be in (0, 1), got \(dropout)") } }
        if batchNorm || dropout != nil, preset != .twoLayer, preset != .mlp {
            throw ValidationError("--batchnorm and --dropout apply to --model two-layer or mlp (the CNN presets have fixed layers)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be >= 0, got \(weightDecay)") }
        if case .gaussian(let std) = initializer, !(std > 0 && std.isFinite) {
            throw ValidationError("--init must be he, xavier or a positive standard deviation, got \(std)")
        }
    }

    /// The preset with the flags that shape it, for samples of `inputShape`
    /// in `classes` classes.
    func spec(inputShape: [Int], classes: Int) -> NetworkSpec {
        preset.spec(inputShape: inputShape, classes: classes, hidden: hidden?.sizes, activation: activation.layer,
                    initializer: initializer, weightDecay: weightDecay, batchNorm: batchNorm, dropout: dropout)
    }

    /// Sized for a training and a test set.
    func spec(train: LabeledImages, test: LabeledImages) throws -> NetworkSpec {
        spec(inputShape: train.sampleShape, classes: try LabelClasses.count([train, test]))
    }
}
