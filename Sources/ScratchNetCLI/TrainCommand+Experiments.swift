import ArgumentParser
import Foundation
import ScratchNet

/// `train --config FILE`, `--validation-split` and `--report DIR`, kept out
/// of TrainCommand.swift so its other options can change independently.
extension TrainCommand {
    /// With `--config`, this command with the file's values applied under
    /// the flags actually given on the command line (they win); else nil.
    func applyingConfigFile(arguments: [String] = CommandLine.arguments) throws -> TrainCommand? {
        guard let config else { return nil }
        let file = try TrainingConfiguration.read(path: config)
        func given(_ flag: String) -> Bool {
            arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") }
        }
        var copy = self
        copy.config = nil
        if let v = file.model, !given("--model") { copy.model = v }
        if let v = file.hidden, !given("--hidden"), copy.model == Preset.mlp.rawValue {
            copy.hidden = v.map(String.init).joined(separator: ",")
        }
        if let v = file.activation, !given("--activation") { copy.activation = v }
        if let v = file.initializer, !given("--initializer") { copy.initializer = v }
        if let v = file.optimizer, !given("--optimizer") { copy.optimizer = v }
        if let v = file.epochs, !given("--epochs") { copy.epochs = v }
        if let v = file.batchSize, !given("--batch-size") { copy.batchSize = v }
        if let v = file.learningRate, !given("--lr") { copy.lr = Float(v) }
        if let v = file.weightDecay, !given("--weight-decay") { copy.weightDecay = Float(v) }
        if let v = file.seed, !given("--seed") { copy.seed = v }
        do {
            try copy.validate()
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        return copy
    }

    /// The training data, minus a seeded validation split when asked for.
    func splitForValidation(_ train: LabeledImages) throws -> (train: LabeledImages, validation: LabeledImages?) {
        guard let validationSplit else { return (train, nil) }
        let split = try ValidationSplit(count: train.count, fraction: validationSplit, seed: seed)
        let (t, v) = split.apply(to: train)
        if !quiet { print("validation split: \(t.count) train / \(v.count) validation samples (fraction \(validationSplit), seed \(seed))") }
        return (t, v)
    }

    func validateExperimentOptions() throws {
        if let validationSplit {
            guard validationSplit > 0, validationSplit < 1 else {
                throw ValidationError("--validation-split must be in (0, 1), got \(validationSplit)")
            }
        }
    }

    /// Scores the validation split after an epoch, prints it and records
    /// the epoch in the report.
    func afterEpoch(_ r: Trainer.EpochReport, network: Network, validation: LabeledImages?, report: TrainingReport?) {
        let validationAccuracy = validation.map { Double(Trainer.accuracy(of: network, on: $0)) }
        if let validationAccuracy, !quiet {
            print("  validation acc \(format(validationAccuracy * 100, 2))%")
        }
        report?.recordEpoch(.init(epoch: r.epoch, train: Double(r.trainAccuracy), validation: validationAccuracy,
                                  test: r.testAccuracy.map(Double.init)))
    }

    /// Writes `DIR/report.html` (atomically) after training.
    func writeReport(_ report: TrainingReport?, network: Network, train: LabeledImages, test: LabeledImages,
                     source: String, seconds: Double) throws {
        guard let report, let directory = self.report else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let settings: [(String, String)] = [
            ("model", "\(model): \(network.spec.summary)"), ("data", source),
            ("samples", "\(train.count) train" + (validationSplit.map { ", validation split \($0)" } ?? "") + ", \(test.count) test"),
            ("optimizer", "\(optimizer), lr \(learningRate), weight decay \(weightDecay)"),
            ("epochs × batch", "\(epochs) × \(batchSize)"), ("initializer", initializer), ("seed", "\(seed)"),
            ("wall time", "\(format(seconds, 1)) s"),
        ]
        let html = report.html(network: network, test: test, probe: test, settings: settings,
                               classNames: DatasetInfo.classNames(forSource: source))
        let path = directory + "/report.html"
        try AtomicFile.write(Array(html.utf8), to: path)
        if !quiet { print("report: \(path)") }
    }
}
