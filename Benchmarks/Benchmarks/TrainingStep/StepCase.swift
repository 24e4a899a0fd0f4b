import ScratchNet

/// One network to time a training step of: a preset with the optimizer
/// `scratchnet train` uses for it, at the benchmark batch size.
///
/// Built from `Preset.allCases`, so a preset added to the library is
/// benchmarked without touching this file.
struct StepCase: Sendable {
    var preset: Preset
    var batch: Int

    static let batchSize = 100
    static var all: [StepCase] { Preset.allCases.map { StepCase(preset: $0, batch: batchSize) } }

    var spec: NetworkSpec { preset.spec() }

    /// The optimizer of the job the speed targets name: SGD for the
    /// two-layer net (the book's ch. 5), Adam for the 256×3 MLP and the
    /// convolutional nets (the book's ch. 7–8 and the peers' jobs).
    func makeOptimizer() -> any Optimizer {
        switch preset {
        case .twoLayer: return SGD(learningRate: 0.1)
        default: return Adam(learningRate: 0.001)
        }
    }
}
