import ArgumentParser
import Foundation
import ScratchNet

/// `train --validation-split` and `--report DIR`, kept out of
/// TrainCommand.swift so its other options can change independently.
extension TrainCommand {
    /// The training data, minus a seeded validation split when asked for.
    static func splitForValidation(_ train: LabeledImages, plan: RunPlan) throws -> (train: LabeledImages, validation: LabeledImages?) {
        guard let fraction = plan.validationSplit else { return (train, nil) }
        let split = try ValidationSplit(count: train.count, fraction: fraction, seed: plan.seed)
        let (t, v) = split.apply(to: train)
        if !plan.quiet { print("validation split: \(t.count) train / \(v.count) validation samples (fraction \(fraction), seed \(plan.seed))") }
        return (t, v)
    }

    /// Scores the validation split after an epoch, prints it and records
    /// the epoch in the report; returns the validation accuracy.
    @discardableResult
    static func recordEpoch(_ r: Trainer.EpochReport, network: Network, validation: LabeledImages?, report: TrainingReport?, quiet: Bool) -> Double? {
        let validationAccuracy = validation.map { Double(Trainer.accuracy(of: network, on: $0)) }
        if let validationAccuracy, !quiet {
            print("  validation acc \(format(validationAccuracy * 100, 2))%")
        }
        report?.recordEpoch(.init(epoch: r.epoch, train: Double(r.trainAccuracy), validation: validationAccuracy,
                                  test: r.testAccuracy.map(Double.init)))
        return validationAccuracy
    }

    /// Writes `DIR/report.html` (atomically) after training.
    static func writeReport(_ report: TrainingReport?, plan: RunPlan, network: Network, train: LabeledImages, test: LabeledImages,
                            seconds: Double) throws {
        guard let report, let directory = plan.reportDirectory else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = plan.dataDirectory
        let settings: [(String, String)] = [
            ("model", "\(plan.model.preset.rawValue): \(network.spec.summary)"), ("data", source),
            ("samples", "\(train.count) train" + (plan.validationSplit.map { ", validation split \($0)" } ?? "") + ", \(test.count) test"),
            ("optimizer", "\(plan.optimizer.rawValue), lr \(plan.learningRate), weight decay \(plan.model.weightDecay)"),
            ("epochs × batch", "\(plan.epochs) × \(plan.batchSize)"), ("initializer", "\(plan.model.initializer)"), ("seed", "\(plan.seed)"),
            ("wall time", "\(format(seconds, 1)) s"),
        ]
        let html = report.html(network: network, test: test, probe: test, settings: settings,
                               classNames: DatasetInfo.classNames(forSource: source))
        let path = RunPlan.reportFile(in: directory)
        try AtomicFile.write(Array(html.utf8), to: path)
        if !plan.quiet { print("report: \(path)") }
    }
}
