import ArgumentParser
import Foundation
import ScratchNet

extension ModelOptions {
    /// The architecture flags given on the command line, by name.
    var givenArchitectureFlags: [String] {
        [(model != nil, "--model"), (hidden != nil, "--hidden"), (activation != nil, "--activation"),
         (batchnorm != nil, batchnorm == false ? "--no-batchnorm" : "--batchnorm"),
         (dropout != nil, "--dropout")].filter(\.0).map(\.1)
    }
}

/// `scratchnet train`'s persistence flags: --save, --checkpoint,
/// --checkpoint-every (with --checkpoint-unit) and --resume.
///
/// Kept apart from the training flags so that the two evolve separately;
/// `TrainCommand` calls into it at four points (spec, restore, run, save).
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Write the trained model to this safetensors file (atomically; a replaced file keeps its permissions) when training ends.",
            completion: .file(extensions: ["safetensors"]))
    var save: String?

    @Option(help: "Checkpoint file: weights, optimizer state, data order and RNG states, written atomically after every epoch (see --checkpoint-every) and when SIGINT or SIGTERM stops the run.",
            completion: .file(extensions: ["safetensors"]))
    var checkpoint: String?

    @Option(help: "Write the checkpoint every N epochs or steps (see --checkpoint-unit; default with --checkpoint: every epoch).")
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

    /// Refuses `--init` with `--resume`: the weights come from the
    /// checkpoint, so an initializer would be ignored.
    func refuseInitializerOnResume(_ model: ModelOptions) throws {
        guard resume != nil, model.initializer != nil else { return }
        throw ValidationError("--init cannot be used with --resume: the weights come from the checkpoint")
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

    /// The architecture to build: `requested` (from the flags and config),
    /// or the checkpoint's when resuming. Architecture flags that describe
    /// a different network than the checkpoint's are refused, naming them:
    /// they would be ignored. Flags that agree (the same command line again
    /// with `--resume`) are accepted.
    func architecture(_ file: SafeTensors?, flags given: [String], requested: () throws -> NetworkSpec) throws -> NetworkSpec {
        guard let resumed = try resumedSpec(file) else { return try requested() }
        guard !given.isEmpty else { return resumed }
        let wanted = try requested()
        guard wanted.inputShape == resumed.inputShape, wanted.layers == resumed.layers else {
            throw ValidationError("\(given.joined(separator: ", ")) cannot change the architecture of \(file!.path) with --resume: drop the flag (the checkpoint fixes the architecture) or start a new run")
        }
        return resumed
    }

    /// Puts the trainer where the checkpoint left it.
    func restore(_ trainer: Trainer, from file: SafeTensors?) throws {
        guard let file else { return }
        try Checkpoint.restore(trainer, from: file)
        guard trainer.position.epoch <= trainer.options.epochs else {
            throw ValidationError("\(file.path) has finished \(trainer.position.epoch - 1) epochs already; pass --epochs \(trainer.position.epoch) or more to continue")
        }
    }

    /// How often the checkpoint is written: `--checkpoint-every` in
    /// `--checkpoint-unit`, else after every epoch (the last one included),
    /// so that `--checkpoint FILE` alone always writes FILE.
    var checkpointInterval: (every: Int, unit: CheckpointUnit)? {
        guard checkpoint != nil else { return nil }
        guard let checkpointEvery else { return (1, .epochs) }
        return (checkpointEvery, checkpointUnit)
    }

    /// Runs `body` (the training loop) with checkpoints written as asked.
    ///
    /// Divergence becomes a message naming the last checkpoint this run
    /// wrote (a file an earlier run left there proves nothing about this
    /// one). After SIGINT/SIGTERM (``Interrupts``) the step in progress
    /// finishes, the checkpoint is written when checkpointing is on, and
    /// ``TrainingInterrupted`` says where the run stopped and how to resume it.
    func run<T>(_ body: (_ afterStep: (Trainer) throws -> Bool, _ afterEpoch: (Trainer) throws -> Bool) throws -> T) throws -> T {
        let interval = checkpointInterval
        var written: WrittenCheckpoint?
        var interrupted: TrainingInterrupted?
        func save(_ trainer: Trainer) throws {
            guard let checkpoint else { return }
            try Checkpoint.save(trainer, to: checkpoint)
            written = WrittenCheckpoint(path: checkpoint, globalStep: trainer.globalStep, position: trainer.position)
        }
        let afterStep: (Trainer) throws -> Bool = { trainer in
            if let interval, interval.unit == .steps, trainer.globalStep % interval.every == 0 {
                try save(trainer)
            }
            guard Interrupts.requested else { return true }
            if checkpoint != nil, written?.globalStep != trainer.globalStep { try save(trainer) }
            interrupted = interruption(of: trainer, saved: written?.globalStep == trainer.globalStep)
            return false
        }
        let afterEpoch: (Trainer) throws -> Bool = { trainer in
            if let interval, interval.unit == .epochs, (trainer.position.epoch - 1) % interval.every == 0 {
                try save(trainer)
            }
            return true
        }
        let result: T
        do {
            result = try body(afterStep, afterEpoch)
        } catch let error as TrainingError {
            guard case .nonFiniteLoss = error else { throw error }
            throw TrainingStopped(message: "\(error); \(written?.description ?? "no checkpoint was written by this run")")
        }
        if let interrupted { throw interrupted }
        return result
    }

    /// The line printed when a signal stopped `trainer`: where, and the
    /// command that continues the run (this one's flags, resuming from the
    /// checkpoint) when `saved`.
    func interruption(of trainer: Trainer, saved: Bool) -> TrainingInterrupted {
        let p = trainer.position
        let place = "interrupted after epoch \(p.epoch) step \(p.stepInEpoch)"
        guard saved, let checkpoint else {
            return TrainingInterrupted(message: "\(place); nothing was saved (pass --checkpoint FILE to make a run resumable)")
        }
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let train = arguments.firstIndex(of: "train") { arguments.removeSubrange(...train) }
        for flag in ["--resume", "--init", "--initializer"] { arguments = Self.removing(flag, from: arguments) }
        let command = (["scratchnet", "train", "--resume", checkpoint] + arguments).map(Self.shellQuoted).joined(separator: " ")
        return TrainingInterrupted(message: "\(place); resume with: \(command)")
    }

    /// `arguments` without `flag VALUE` or `flag=VALUE`.
    static func removing(_ flag: String, from arguments: [String]) -> [String] {
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == flag { index += 2; continue }
            if argument.hasPrefix(flag + "=") { index += 1; continue }
            kept.append(argument)
            index += 1
        }
        return kept
    }

    /// `text` as a POSIX shell reads it back.
    static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Writes the final model when --save was given.
    func saveModel(_ network: Network, classNames: [String]? = nil) throws {
        guard let save else { return }
        try ModelFile.save(network, to: save, classNames: classNames)
    }
}

/// A checkpoint this run wrote: what the divergence message names.
struct WrittenCheckpoint: CustomStringConvertible {
    var path: String
    var globalStep: Int
    var position: Trainer.Position

    var description: String {
        let place = position.stepInEpoch == 0 ? "after epoch \(position.epoch - 1)" : "epoch \(position.epoch)"
        return "last good checkpoint: \(path) (step \(globalStep), \(place), left intact)"
    }
}

/// Training stopped for a reason the user must act on; one line.
struct TrainingStopped: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
