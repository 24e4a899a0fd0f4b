import ArgumentParser
import ScratchNet

/// `train --recipe NAME`: a whole training recipe under one name, so a
/// published result is one command anyone can rerun.
///
/// A recipe fills every option left unset on the command line (a flag given
/// beats the recipe; `--lr-schedule` and `--augment` count as unset at
/// their defaults, constant and none). With `--init-from` or `--resume` the
/// file fixes the architecture, so the recipe's model is left out. Docs/Recipes.md
/// explains each value.
enum Recipe: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// fast-cnn with AdamW, one-cycle, flips and crops, label smoothing and
    /// flip-averaged test scores: Fashion-MNIST time to accuracy.
    case fast

    /// `command` with this recipe's values in every option it left unset.
    func apply(to command: TrainCommand) -> TrainCommand {
        var command = command
        switch self {
        case .fast:
            if command.initFrom == nil, command.persistence.resume == nil {
                command.modelOptions.model = command.modelOptions.model ?? .fastCNN
            }
            command.optimizer = command.optimizer ?? .adamw
            command.lr = command.lr ?? 0.005
            command.weightDecay = command.weightDecay ?? 0.05
            command.epochs = command.epochs ?? 17
            command.batchSize = command.batchSize ?? 128
            if command.lrSchedule == .constant { command.lrSchedule = .oneCycle(peak: 0.25) }
            if command.augment.isNone { command.augment = Augmentation(flip: true, maxShift: 2) }
            command.labelSmoothing = command.labelSmoothing ?? 0.1
            command.tta = command.tta ?? .flip
            command.trainAccuracySamples = command.trainAccuracySamples ?? 2000
        }
        return command
    }
}

/// `--tta`: how test images are scored.
enum TestTimeAugmentation: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Each image as it is.
    case none
    /// The mean softmax of the image and its mirror image (``FlipAveraging``).
    case flip
}

extension Trainer.Options {
    /// These options with label smoothing and the per-epoch test score's flips set.
    func with(labelSmoothing: Float, testTimeFlip: Bool) -> Trainer.Options {
        var options = self
        options.labelSmoothing = labelSmoothing
        options.testTimeFlip = testTimeFlip
        return options
    }
}
