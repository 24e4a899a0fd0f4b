import ArgumentParser
import ScratchNet

/// `train`'s flags for following a run and stopping it well: a JSON-lines
/// log, TensorBoard event files, early stopping and the best model.
struct MonitoringOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Append one JSON object per line to FILE as the run goes: every --log-every steps (kind \"step\") and after every epoch (kind \"epoch\"); `tail -f` follows it.",
                               valueName: "file.jsonl"),
            completion: .file(extensions: ["jsonl"]))
    var log: String?

    @Option(help: ArgumentHelp("Steps between two step records of --log and --tensorboard.", valueName: "steps"))
    var logEvery: Int = MonitoringOptions.defaultLogEvery

    @Option(help: ArgumentHelp("Write TensorBoard event files into DIR (created): loss, learning rate and samples/s every --log-every steps, accuracies every epoch. View with `tensorboard --logdir DIR`.",
                               valueName: "dir"),
            completion: .directory)
    var tensorboard: String?

    @Option(help: ArgumentHelp("Stop when validation accuracy has not improved for this many epochs (needs --validation-split).",
                               valueName: "patience"))
    var earlyStop: Int?

    @Option(help: ArgumentHelp("Write the model to FILE (atomically) whenever the monitored accuracy improves: validation accuracy with --validation-split, else test accuracy.",
                               valueName: "file"),
            completion: .file(extensions: ["safetensors"]))
    var saveBest: String?

    /// Two-layer on Fashion-MNIST takes 600 steps an epoch at batch 100:
    /// twelve step records each.
    static let defaultLogEvery = 50

    /// Checks the values that need no other flag; ``RunPlan`` checks the rest.
    func validate() throws {
        guard logEvery >= 1 else { throw ValidationError("--log-every must be >= 1, got \(logEvery)") }
        guard logEvery <= Trainer.maximumSteps else { throw ValidationError("--log-every must be at most \(Trainer.maximumSteps), got \(logEvery)") }
        if let earlyStop {
            guard earlyStop >= 1 else { throw ValidationError("--early-stop must be >= 1 epoch, got \(earlyStop)") }
            guard earlyStop <= Trainer.maximumEpochs else { throw ValidationError("--early-stop must be at most \(Trainer.maximumEpochs), got \(earlyStop)") }
        }
    }
}
