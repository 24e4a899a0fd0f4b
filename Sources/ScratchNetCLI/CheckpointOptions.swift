import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet train`'s persistence flags: --save, --checkpoint,
/// --checkpoint-every (with --checkpoint-unit) and --resume.
///
/// Kept apart from the training flags so that the two evolve separately;
/// `TrainCommand` calls into it at four points (spec, restore, run, save).
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Write the trained model to this safetensors file (atomically) when training ends.",
            completion: .file(extensions: ["safetensors"]))
    var save: String?

    @Option(help: "Checkpoint file: weights, optimizer state, data order and RNG states (written atomically).",
            completion: .file(extensions: ["safetensors"]))
    var checkpoint: String?

    @Option(help: "Write the checkpoint every N epochs or steps (see --checkpoint-unit).")
    var checkpointEvery: Int?

    @Option(help: "Unit of --checkpoint-every.")
    var checkpointUnit: CheckpointUnit = .epochs

    @Option(help: "Continue the run saved in this checkpoint (architecture from the file; same --batch-size).",
            completion: .file(extensions: ["safetensors"]))
    var resume: String?

    func validate() throws {
        if let checkpointEvery {
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be >= 1, got \(checkpointEvery)") }
            guard checkpoint != nil else { throw ValidationError("--checkpoint-every needs --checkpoint FILE") }
        }
        if let save, let checkpoint, save == checkpoint {
            throw ValidationError("--save and --checkpoint must be different files")
        }
    }

    /// Refuses, before any training, outputs that cannot be written (exit 73)
    /// and a checkpoint to resume that does not exist (exit 66).
    func checkFiles() throws {
        for (flag, path) in [("--save", save), ("--checkpoint", checkpoint)] {
            guard let path else { continue }
            try OutputPath.checkWritable(path, flag: flag)
        }
        if let resume, !FileManager.default.fileExists(atPath: resume) {
            throw DataError.fileNotFound(path: resume)
        }
    }

    /// The checkpoint to resume, read once.
    func resumeFile() throws -> SafeTensors? {
        guard let resume else { return nil }
        return try SafeTensors.read(path: resume)
    }

    /// The architecture to build: the checkpoint's when resuming.
    func resumedSpec(_ file: SafeTensors?) throws -> NetworkSpec? {
        guard let file else { return nil }
        return try ModelFile.spec(in: file)
    }

    /// Puts the trainer where the checkpoint left it.
    func restore(_ trainer: Trainer, from file: SafeTensors?) throws {
        guard let file else { return }
        try Checkpoint.restore(trainer, from: file)
        guard trainer.position.epoch <= trainer.options.epochs else {
            throw ValidationError("\(file.path) has finished \(trainer.position.epoch - 1) epochs already; pass --epochs \(trainer.position.epoch) or more to continue")
        }
    }

    /// Runs `body` (the training loop) with checkpoints written as asked,
    /// turning divergence into a message that names the last good checkpoint.
    func run<T>(_ body: (_ afterStep: (Trainer) throws -> Bool, _ afterEpoch: (Trainer) throws -> Bool) throws -> T) throws -> T {
        let every = checkpointEvery ?? 0
        let afterStep: (Trainer) throws -> Bool = { trainer in
            if let checkpoint, every > 0, checkpointUnit == .steps, trainer.globalStep % every == 0 {
                try Checkpoint.save(trainer, to: checkpoint)
            }
            return true
        }
        let afterEpoch: (Trainer) throws -> Bool = { trainer in
            if let checkpoint, every > 0, checkpointUnit == .epochs, (trainer.position.epoch - 1) % every == 0 {
                try Checkpoint.save(trainer, to: checkpoint)
            }
            return true
        }
        do {
            return try body(afterStep, afterEpoch)
        } catch let error as TrainingError {
            guard case .nonFiniteLoss = error else { throw error }
            throw TrainingStopped(message: "\(error); \(lastGoodCheckpoint())")
        }
    }

    /// Describes the checkpoint file as it is on disk now.
    func lastGoodCheckpoint() -> String {
        guard let checkpoint, let file = try? SafeTensors.read(path: checkpoint),
              let step = file.metadata["checkpoint.global_step"], let epoch = file.metadata["checkpoint.epoch"].flatMap(Int.init) else {
            return "no checkpoint was written"
        }
        let where_ = file.metadata["checkpoint.step_in_epoch"] == "0" ? "after epoch \(epoch - 1)" : "epoch \(epoch)"
        return "last good checkpoint: \(checkpoint) (step \(step), \(where_), left intact)"
    }

    /// Writes the final model when --save was given.
    func saveModel(_ network: Network) throws {
        guard let save else { return }
        try ModelFile.save(network, to: save)
    }
}

/// Training stopped for a reason the user must act on; one line.
struct TrainingStopped: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
