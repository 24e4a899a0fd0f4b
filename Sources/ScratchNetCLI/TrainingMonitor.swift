import Foundation
import ScratchNet

/// What `train` does beside training, between steps and epochs: the
/// `--log` lines, the `--tensorboard` events, the best epoch by the
/// monitored accuracy (validation if there is a split, else test), the
/// `--save-best` model and `--early-stop`.
///
/// The trainer's `onStep`/`onEpoch` hand over the figures; the throwing
/// `afterStep`/`afterEpoch` hooks write them and decide whether to go on.
final class TrainingMonitor {
    private let log: TrainingLog?
    private let tensorboard: TensorBoardWriter?
    private let logEvery: Int
    private let saveBest: String?
    private(set) var stopping: EarlyStopping
    private let clock = Stopwatch()
    private var lastStep: Trainer.StepProgress?
    /// The losses of the steps since the last step record, summed, and their count:
    /// a step record carries the mean loss of its interval, as a dashboard plots it.
    private var intervalLoss = (sum: 0.0, steps: 0)
    private var lastEpoch: (report: Trainer.EpochReport, validation: Double?)?
    /// True when `--early-stop` ended the run.
    private(set) var stoppedEarly = false

    /// What the `--save-best` model carries beside its weights, as the `--save` one.
    private let classNames: [String]?
    private let train: LabeledImages

    /// Opens the log and the event file (the run's outputs are checked and locked before).
    init(plan: RunPlan, hasValidation: Bool, classNames: [String]?, train: LabeledImages) throws {
        self.classNames = classNames
        self.train = train
        let options = plan.monitoring
        log = try options.log.map { try TrainingLog(path: $0, append: plan.persistence.resume != nil) }
        do {
            tensorboard = try options.tensorboard.map { try TensorBoardWriter(directory: $0) }
        } catch let failure as TensorBoardWriter.Failure {
            throw CLIFailure(.cannotCreate, "--tensorboard: \(failure)")
        }
        logEvery = options.logEvery
        saveBest = options.saveBest
        stopping = EarlyStopping(metric: hasValidation ? "validation" : "test", patience: options.earlyStop)
    }

    /// The event file, to name at the start of the run.
    var eventFile: String? { tensorboard?.path }

    /// From `onStep`: the step's figures.
    func record(_ progress: Trainer.StepProgress) {
        lastStep = progress
        intervalLoss = (intervalLoss.sum + Double(progress.stepLoss), intervalLoss.steps + 1)
    }

    /// From `onEpoch`: the epoch's figures and the validation accuracy.
    func record(_ report: Trainer.EpochReport, validation: Double?) {
        lastEpoch = (report, validation.map { TrainingLog.decimal(Float($0)) })
    }

    /// After every step: a step record every `--log-every` steps.
    func afterStep(_ trainer: Trainer) throws {
        guard log != nil || tensorboard != nil, trainer.globalStep % logEvery == 0, let p = lastStep else { return }
        let loss = Float(intervalLoss.sum / Double(max(intervalLoss.steps, 1)))
        intervalLoss = (0, 0)
        let rate = trainer.network.optimizer.map { TrainingLog.decimal($0.learningRate) }
        try write(TrainingLog.Record(kind: "step", epoch: p.epoch, step: trainer.globalStep, loss: TrainingLog.decimal(loss),
                                     learning_rate: rate, samples_per_second: p.samplesPerSecond,
                                     wall_time: clock.elapsed, time: TensorBoardWriter.now()),
                  scalars: [("train/loss", loss), ("train/learning_rate", rate.map(Float.init)),
                            ("train/samples_per_second", Float(p.samplesPerSecond))])
    }

    /// After every epoch: its record, the best model when it improved;
    /// false when `--early-stop` says to stop.
    func afterEpoch(_ trainer: Trainer) throws -> Bool {
        guard let (r, validation) = lastEpoch else { return true }
        let rate = trainer.network.optimizer.map { TrainingLog.decimal($0.learningRate) }
        let test = r.testAccuracy.map(TrainingLog.decimal)
        try write(TrainingLog.Record(kind: "epoch", epoch: r.epoch, step: trainer.globalStep, loss: TrainingLog.decimal(r.meanLoss),
                                     train_accuracy: TrainingLog.decimal(r.trainAccuracy), validation_accuracy: validation,
                                     test_accuracy: test, learning_rate: rate, samples_per_second: r.samplesPerSecond,
                                     wall_time: clock.elapsed, time: TensorBoardWriter.now()),
                  scalars: [("epoch/loss", r.meanLoss), ("epoch/train_accuracy", r.trainAccuracy),
                            ("epoch/validation_accuracy", validation.map(Float.init)), ("epoch/test_accuracy", r.testAccuracy),
                            ("epoch/samples_per_second", Float(r.samplesPerSecond))])
        if let accuracy = stopping.metric == "validation" ? validation : test,
           stopping.observe(epoch: r.epoch, accuracy: accuracy), let saveBest {
            try ModelFile.save(trainer.network, to: saveBest, classNames: classNames)
            try DataSource.recordStandardization(of: train, inModelAt: saveBest)
        }
        if stopping.shouldStop, trainer.position.epoch <= trainer.options.epochs {
            stoppedEarly = true
            return false
        }
        return true
    }

    /// The closing line: the best epoch and where its model went; the
    /// log's "end" record.
    func finish(_ trainer: Trainer) throws -> String? {
        guard let best = stopping.bestEpoch else { return nil }
        let epochs = trainer.position.epoch - 1
        let accuracy = stopping.bestAccuracy
        try log?.append(TrainingLog.Record(kind: "end", epoch: epochs, step: trainer.globalStep, wall_time: clock.elapsed,
                                           time: TensorBoardWriter.now(), best_epoch: best, best_metric: stopping.metric,
                                           best_accuracy: accuracy, stopped_early: stoppedEarly))
        tensorboard?.close()
        var line = "best: epoch \(best), \(stopping.metric) accuracy \(format(accuracy * 100, 2))%"
        if let saveBest { line += ", saved to \(saveBest)" }
        if stoppedEarly, let patience = stopping.patience {
            line += "; stopped after epoch \(epochs): no improvement for \(patience) epoch\(patience == 1 ? "" : "s")"
        }
        return line
    }

    private func write(_ record: TrainingLog.Record, scalars: [(String, Float?)]) throws {
        try log?.append(record)
        guard let tensorboard else { return }
        do {
            try tensorboard.add(scalars: scalars.compactMap { tag, value in value.map { (tag, $0) } }, step: record.step,
                                wallTime: record.time)
        } catch let failure as TensorBoardWriter.Failure {
            throw CLIFailure(.cannotCreate, "--tensorboard: \(failure)")
        }
    }
}
