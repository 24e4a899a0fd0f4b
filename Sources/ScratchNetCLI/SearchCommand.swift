import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet search`: random search over optimizer, activation, learning
/// rate and weight decay, scored on a validation split carved from the
/// training data.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search optimizer, activation, learning rate and weight decay on a validation split (the test set is never read).",
        discussion: """
        Each trial draws an optimizer (--optimizers, default all six) and an activation \
        (--activations, default relu, sigmoid and tanh for the perceptron presets; the CNNs \
        keep ReLU), then lr = 10^U(range) and weight decay = 10^U(wd-range) (the book's \
        ch06/hyperparameter_optimization.py). Each optimizer's default lr range runs from \
        three decades below its default rate to one above (sgd 1e-4...1, adam 1e-6...1e-2); \
        --lr-range sets one range for all. Trial 1 is what `train` does without a search \
        (the first optimizer at its default rate, the first activation), so the best \
        configuration is never worse than it on the validation split. Each trial trains for --epochs on the training \
        part; trials are ranked by validation accuracy. With --rounds > 1, each round keeps \
        the optimizers and activations of the best --keep trials so far and samples from \
        the span of their rates. The best configuration is written as JSON that \
        `scratchnet train --config FILE` accepts.
        """
    )

    @OptionGroup(title: "Model")
    var modelOptions: ModelOptions
    @Option(help: "Epochs per trial.")
    var epochs: Int = 5
    @Option(help: "Samples per mini-batch.")
    var batchSize: Int = 100
    @Option(help: "Seed: fixes the split, the sampled points, initial weights and batch order.")
    var seed: UInt64 = 42
    @Option(help: "Trials per round.")
    var trials: Int = 20
    @Option(help: "Rounds; each after the first samples from the span of the best --keep trials.")
    var rounds: Int = 1
    @Option(help: "How many of the best trials define the next round's ranges.")
    var keep: Int = 3
    @Option(help: "Optimizers to choose from, comma-separated (default: sgd,momentum,nesterov,adagrad,rmsprop,adam).")
    var optimizers: SearchChoices<OptimizerKind>?
    @Option(help: "Activations to choose from, comma-separated (default: relu,sigmoid,tanh for two-layer and mlp; the CNNs use relu).")
    var activations: SearchChoices<ActivationKind>?
    @Option(help: "Learning-rate range for every optimizer, as log10 exponents '-6,-2' or values '1e-6:1e-2' (default: per optimizer, 10^-3 to 10^1 times its default rate).")
    var lrRange: LogUniformRange?
    @Option(help: "Weight-decay range as log10 exponents '-8,-4' or values '1e-8:1e-4'.")
    var wdRange = LogUniformRange(argument: "-8,-4")!
    @Option(help: "Fraction of the training data held out for validation.")
    var validationSplit: Double = 0.2
    @Option(help: "Use only the first N training samples (the book searches on 500).")
    var subset: Int?
    @Option(help: "How to use the cores: 'trials' (one trial per core, 1 kernel thread each) or 'kernels' (one trial at a time on all cores).")
    var parallel: SearchParallelism = .defaultMode
    @OptionGroup(title: "Threads (cores to use)")
    var threads: ThreadOptions
    @OptionGroup(title: "Data (training part only)")
    var data: DataOptions
    @Option(help: "Kernels: fast or naive.")
    var backend: Backend = .fast
    @Option(help: "Where to write the best configuration (JSON).", completion: .file(extensions: ["json"]))
    var out: String = "best.json"
    @Flag(help: "No live progress, only the table.")
    var quiet = false

    func validate() throws {
        guard epochs >= 1, batchSize >= 1, trials >= 1, rounds >= 1, keep >= 1 else {
            throw ValidationError("--epochs, --batch-size, --trials, --rounds and --keep must be >= 1")
        }
        guard epochs <= Trainer.maximumEpochs else { throw ValidationError("--epochs must be at most \(Trainer.maximumEpochs), got \(epochs)") }
        guard batchSize <= Network.maximumBatch else { throw ValidationError("--batch-size must be at most \(Network.maximumBatch), got \(batchSize)") }
        // A search of more trials than this would not finish in a working life on a CPU.
        let maximumTrials = 100_000
        guard trials <= maximumTrials, rounds <= maximumTrials, trials * rounds <= maximumTrials else {
            throw ValidationError("--trials × --rounds must be at most \(maximumTrials), got \(trials) × \(rounds)")
        }
        guard validationSplit > 0, validationSplit < 1 else { throw ValidationError("--validation-split must be in (0, 1), got \(validationSplit)") }
        if let subset { guard subset >= 2 else { throw ValidationError("--subset must be >= 2") } }
        try modelChoice.validate()
        if activations != nil, modelOptions.activation != nil {
            throw ValidationError("--activation fixes the activation and --activations searches over several: pass one of them")
        }
        if let activations, activations.values != [.relu], !Self.presetsWithActivation.contains(modelChoice.preset) {
            throw ValidationError("--activations applies to --model two-layer or mlp (the CNN presets use ReLU)")
        }
    }

    /// The presets whose activation a flag chooses.
    static let presetsWithActivation: [Preset] = [.twoLayer, .mlp]

    /// What the trials draw from, as the flags say.
    var space: SearchSpace {
        let activationChoices: [ActivationKind]
        if let activations {
            activationChoices = activations.values
        } else if let fixed = modelOptions.activation {
            activationChoices = [ActivationKind(rawValue: fixed.rawValue)!]
        } else {
            activationChoices = Self.presetsWithActivation.contains(modelChoice.preset) ? ActivationKind.allCases : [.relu]
        }
        return SearchSpace(optimizers: optimizers?.values ?? OptimizerKind.allCases, activations: activationChoices,
                           learningRate: lrRange, weightDecay: wdRange)
    }

    /// The architecture every trial trains (its weight decay is searched).
    var modelChoice: ModelChoice {
        ModelChoice(preset: modelOptions.model ?? .twoLayer, hidden: modelOptions.hidden,
                    activation: modelOptions.activation ?? .relu, batchNorm: modelOptions.batchnorm ?? false,
                    dropout: modelOptions.dropout, initializer: modelOptions.initializer ?? .he)
    }

    func run() throws {
        let source = data.directory
        try DataOptions.requireExisting(source)
        try OutputPath.checkWritable(out, flag: "--out")
        let choice = modelChoice
        var all = try DataSource.loadTraining(source)
        if let subset, subset < all.count { all = all.subset(0..<subset) }
        let split = try ValidationSplit(count: all.count, fraction: validationSplit, seed: seed)
        let (train, validation) = split.apply(to: all)
        let spec = choice.spec(inputShape: train.sampleShape, classes: try LabelClasses.count([all]))
        var trialTrainer = TrialTrainer(spec: spec, train: train, validation: validation, epochs: epochs,
                                   batchSize: min(batchSize, train.count), seed: seed, backend: backend)
        let search = HyperparameterSearch(
            space: space,
            trialsPerRound: trials, rounds: rounds, keepBest: keep, seed: seed)

        let cores = threads.count()
        let mode = parallel
        let workers = mode == .trials ? cores : 1
        trialTrainer.threads = mode == .trials ? 1 : cores
        let trainer = trialTrainer
        let quiet = self.quiet
        print("search: \(spec.summary)")
        print("data \(source): \(train.count) train / \(validation.count) validation samples (split \(validationSplit), seed \(seed)); test set not read")
        print("\(trials) trial(s) × \(rounds) round(s), \(epochs) epoch(s) each; \(mode.rawValue == "trials" ? "\(workers) concurrent trial(s), 1 kernel thread each" : "one trial at a time on \(cores) kernel thread(s)")")
        let clock = Stopwatch()
        let outcomes = search.run(concurrency: workers, train: { trial in
            trainer.train(trial) { epoch in
                if !quiet {
                    writeToStandardError("  trial \(trial.index + 1) epoch \(epoch.epoch): loss \(format(epoch.meanLoss, 4)), val acc \(format(Double(epoch.testAccuracy ?? 0) * 100, 2))%\n")
                }
            }
        }, onEvent: { event in
            guard !quiet else { return }
            switch event {
            case let .roundStarted(round, space):
                writeToStandardError("round \(round + 1): \(space)\n")
            case let .trialStarted(t):
                writeToStandardError("trial \(t.index + 1) started: \(t.optimizer.rawValue) lr \(sci(t.learningRate)), \(t.activation.rawValue), wd \(sci(t.weightDecay))\n")
            case let .trialFinished(o, completed, total):
                let result = o.failure.map { "failed: \($0)" } ?? "val acc \(format(o.validationAccuracy * 100, 2))%"
                writeToStandardError("[\(completed)/\(total)] trial \(o.trial.index + 1): \(result) (\(format(o.seconds, 1)) s)\n")
            }
        })
        let seconds = clock.elapsed
        print(SearchTable.render(outcomes))
        let perHour = Double(outcomes.count) / max(seconds, 1e-9) * 3600
        print("\(outcomes.count) trials in \(format(seconds, 1)) s: \(Int(perHour.rounded())) trials/hour (\(mode.rawValue) mode)")

        guard let best = outcomes.first, best.failure == nil else {
            throw ValidationError("every trial failed; nothing written to \(out) (try a lower --lr-range)")
        }
        let config = TrainingConfiguration(
            model: choice.preset.rawValue, hidden: choice.hidden?.sizes, activation: best.trial.activation.rawValue,
            batchNorm: choice.batchNorm ? true : nil, dropout: choice.dropout.map(Double.init),
            initializer: choice.initializer.description,
            optimizer: best.trial.optimizer.rawValue, epochs: epochs, batchSize: batchSize, learningRate: best.trial.learningRate,
            weightDecay: best.trial.weightDecay, seed: seed,
            search: .init(validationAccuracy: best.validationAccuracy, validationFraction: validationSplit,
                          trials: outcomes.count, rounds: rounds, space: search.space.description))
        try config.write(to: out)
        print("best: \(best.trial.optimizer.rawValue), \(best.trial.activation.rawValue), lr \(sci(best.trial.learningRate)), weight decay \(sci(best.trial.weightDecay)), validation accuracy \(format(best.validationAccuracy * 100, 2))% → \(out)")
    }
}

/// `--optimizers adam,sgd`: a comma-separated, non-empty list of names,
/// each one of `Choice`'s values (in any case).
struct SearchChoices<Choice: RawRepresentable & CaseIterable & Equatable & Sendable>: ExpressibleByArgument, Sendable
where Choice.RawValue == String {
    var values: [Choice]

    init?(argument: String) {
        let names = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let parsed = names.map { Choice(rawValue: $0) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        values = parsed.map { $0! }
    }

    static var defaultCompletionKind: CompletionKind { .list(Choice.allCases.map(\.rawValue)) }
}

/// Concurrent trials (1 kernel thread each) or one trial at a time on all cores.
enum SearchParallelism: String, CaseIterable, ExpressibleByArgument {
    case trials, kernels
    /// Measured on 2 cores (see the report): concurrent trials win for the
    /// small networks a search trains, where kernels are below their grain size.
    static let defaultMode = SearchParallelism.trials
}

/// The ranked results as a fixed-width text table.
enum SearchTable {
    static func render(_ outcomes: [TrialOutcome]) -> String {
        var lines = ["rank  trial  round  optimizer  activation  learning rate  weight decay  val acc  train acc  loss     seconds"]
        for (rank, o) in outcomes.enumerated() {
            let acc = o.failure == nil ? format(o.validationAccuracy * 100, 2) + "%" : "failed"
            lines.append([pad("\(rank + 1)", 4), pad("\(o.trial.index + 1)", 5), pad("\(o.trial.round + 1)", 5),
                          pad(o.trial.optimizer.rawValue, 9), pad(o.trial.activation.rawValue, 10),
                          pad(sci(o.trial.learningRate), 13), pad(sci(o.trial.weightDecay), 12),
                          pad(acc, 7), pad(format(o.trainAccuracy * 100, 2) + "%", 9),
                          pad(o.finalLoss.isFinite ? format(o.finalLoss, 4) : "-", 7), format(o.seconds, 1)].joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}

/// "3.16e-04": scientific notation with three significant digits.
func sci(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return "\(value)" }
    var exponent = Int(log10(abs(value)).rounded(.down))
    var mantissa = value / pow(10, Double(exponent))
    if abs(mantissa) >= 9.995 { mantissa /= 10; exponent += 1 }
    let sign = exponent < 0 ? "-" : "+"
    let e = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
    return "\(format(mantissa, 2))e\(sign)\(e)"
}
