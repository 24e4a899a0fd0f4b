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

    /// The optimizer this preset trains with. SGD at the CLI's default
    /// learning rate is the only optimizer on this branch; when Adam lands,
    /// the presets that train with it (mlp, the conv nets) should return it
    /// here so the step measures what users run.
    func makeOptimizer() -> any Optimizer {
        SGD(learningRate: 0.1)
    }
}
