import FoundationEssentials

/// Everything a training run needs to continue exactly where it stopped,
/// in one safetensors file written atomically.
///
/// A checkpoint is a model file (same tensors and spec metadata, so `eval`
/// and `predict` accept it) plus:
/// - `optimizer.<name>`: each optimizer state tensor (`optimizer.layers.0.weight.m`),
///   and metadata `checkpoint.optimizer` / `checkpoint.optimizer_steps`;
/// - `trainer.order` (I32): the current epoch's sample permutation;
/// - `trainer.rng` (U64, 4): the data-order generator's xoshiro state;
/// - `rng.layers.<i>` (U64, 4): each random layer's generator (Dropout);
/// - metadata `checkpoint.epoch`, `checkpoint.step_in_epoch`,
///   `checkpoint.global_step`, `checkpoint.loss_sum`, `checkpoint.batch_size`,
///   `checkpoint.history` (the epoch reports so far, JSON).
///
/// Restoring all of it makes the resumed run's weights bit-identical to an
/// uninterrupted run's (same seed, same kernels).
public enum Checkpoint {
    public static let kindKey = "scratchnet.kind"

    /// Writes `trainer`'s whole state to `path` (temporary file, fsync, rename).
    public static func save(_ trainer: Trainer, to path: String) throws {
        try AtomicFile.write(encode(trainer), to: path)
    }

    /// The checkpoint file's bytes for `trainer`'s current state.
    public static func encode(_ trainer: Trainer) -> [UInt8] {
        let network = trainer.network
        var writer = ModelFile.writer(for: network)
        writer.metadata[kindKey] = "checkpoint"
        let p = trainer.position
        writer.metadata["checkpoint.epoch"] = String(p.epoch)
        writer.metadata["checkpoint.step_in_epoch"] = String(p.stepInEpoch)
        // Swift prints the shortest text that reads back as the same Double.
        writer.metadata["checkpoint.loss_sum"] = String(p.lossSum)
        writer.metadata["checkpoint.global_step"] = String(trainer.globalStep)
        writer.metadata["checkpoint.batch_size"] = String(trainer.options.batchSize)
        writer.metadata["checkpoint.lr_schedule"] = trainer.options.schedule.description
        writer.metadata["checkpoint.base_lr"] = String(trainer.baseLearningRate)
        writer.metadata["checkpoint.augmentation"] = trainer.options.augmentation.description
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        writer.metadata["checkpoint.history"] = String(decoding: (try? encoder.encode(trainer.history)) ?? Data("[]".utf8), as: UTF8.self)
        if let optimizer = network.optimizer {
            writer.metadata["checkpoint.optimizer"] = optimizer.name
            writer.metadata["checkpoint.optimizer_steps"] = String(optimizer.stepCount)
            for state in optimizer.stateTensors {
                writer.add("optimizer.\(state.name)", tensor: state.tensor)
            }
        }
        writer.add("trainer.order", int32s: trainer.epochOrder)
        writer.add("trainer.rng", uint64s: words(trainer.rng))
        for (index, layer) in network.layers.enumerated() {
            if let generator = layer.generator {
                writer.add("rng.layers.\(index)", uint64s: words(generator))
            }
        }
        return writer.encoded()
    }

    /// Restores a checkpoint into a trainer whose network was built from the
    /// same spec (``ModelFile/spec(in:)``) with the same optimizer kind, and
    /// whose training set and batch size are the checkpointed run's.
    public static func restore(_ trainer: Trainer, from file: SafeTensors) throws {
        let path = file.path
        func fail(_ kind: SerializationError.Kind, _ message: String) -> SerializationError {
            SerializationError(kind, path: path, message)
        }
        guard file.metadata[kindKey] == "checkpoint" else {
            throw fail(.missingMetadata, "not a checkpoint (no '\(kindKey)': checkpoint in the metadata); a model file can be evaluated but not resumed")
        }
        func integer(_ key: String) throws -> Int {
            guard let text = file.metadata[key] else { throw fail(.missingMetadata, "no '\(key)' in the metadata") }
            guard let value = Int(text), value >= 0 else { throw fail(.invalidMetadata, "'\(key)' is '\(text)', not a count") }
            return value
        }
        let batchSize = try integer("checkpoint.batch_size")
        guard batchSize == trainer.options.batchSize else {
            throw fail(.incompatible, "the run was checkpointed with batch size \(batchSize), this one uses \(trainer.options.batchSize) (pass --batch-size \(batchSize))")
        }
        // A resumed run must draw the same rates and images as the one it
        // continues (files from before these keys existed used neither).
        let schedule = file.metadata["checkpoint.lr_schedule"] ?? "constant"
        guard schedule == trainer.options.schedule.description else {
            throw fail(.incompatible, "the run was checkpointed with --lr-schedule \(schedule), this one uses \(trainer.options.schedule) (pass --lr-schedule \(schedule))")
        }
        let augmentation = file.metadata["checkpoint.augmentation"] ?? "none"
        guard augmentation == trainer.options.augmentation.description else {
            throw fail(.incompatible, "the run was checkpointed with --augment \(augmentation), this one uses \(trainer.options.augmentation) (pass --augment \(augmentation))")
        }
        let network = trainer.network
        try ModelFile.restore(network, from: file)

        if let optimizer = network.optimizer {
            let name = file.metadata["checkpoint.optimizer"] ?? "(none)"
            guard name == optimizer.name else {
                throw fail(.incompatible, "the run was checkpointed with optimizer \(name), this one uses \(optimizer.name)")
            }
            if let base = file.metadata["checkpoint.base_lr"], base != String(trainer.baseLearningRate) {
                throw fail(.incompatible, "the run was checkpointed with learning rate \(base), this one uses \(trainer.baseLearningRate) (pass --lr \(base))")
            }
            let stateNames = Set(optimizer.stateTensors.map { "optimizer.\($0.name)" })
            if let stray = file.tensors.first(where: { $0.name.hasPrefix("optimizer.") && !stateNames.contains($0.name) }) {
                throw fail(.unexpectedTensor, "tensor '\(stray.name)' is not state of optimizer \(optimizer.name)")
            }
            for state in optimizer.stateTensors {
                try file.copy("optimizer.\(state.name)", into: state.tensor, purpose: "state of optimizer \(optimizer.name)")
                try ModelFile.requireFinite(state.tensor, name: "optimizer.\(state.name)", path: path)
            }
            // The optimizer counts one update per step; the bound keeps its
            // next increments (and Adam's bias correction) away from Int.max.
            let steps = try integer("checkpoint.optimizer_steps")
            guard steps <= Trainer.maximumSteps else {
                throw fail(.invalidMetadata, "'checkpoint.optimizer_steps' is \(steps), more than any run's \(Trainer.maximumSteps) steps")
            }
            optimizer.stepCount = steps
        }
        for (index, layer) in network.layers.enumerated() {
            let name = "rng.layers.\(index)"
            if layer.generator != nil {
                _ = try file.require(name, dtype: .U64, shape: [4], purpose: "random generator of \(layer.name)")
                layer.generator = try generator(file.uint64s(name), name: name, path: path)
            } else if file.info(name) != nil {
                throw fail(.unexpectedTensor, "tensor '\(name)' is a random generator, but layer \(index) (\(layer.name)) draws no random numbers")
            }
        }
        _ = try file.require("trainer.rng", dtype: .U64, shape: [4], purpose: "data-order generator")
        _ = try file.require("trainer.order", dtype: .I32, shape: [trainer.train.count],
                             purpose: "data order of the \(trainer.train.count)-sample training set")
        guard let lossSum = file.metadata["checkpoint.loss_sum"].flatMap(Double.init), lossSum.isFinite else {
            throw fail(.invalidMetadata, "'checkpoint.loss_sum' is missing or not a finite number")
        }
        let history: [Trainer.EpochReport]
        do {
            history = try JSONDecoder().decode([Trainer.EpochReport].self, from: Data((file.metadata["checkpoint.history"] ?? "[]").utf8))
        } catch let error as DecodingError {
            throw fail(.invalidMetadata, "'checkpoint.history' is not a list of epoch reports: \(ModelFile.shortDescription(error))")
        }
        let position = Trainer.Position(epoch: try integer("checkpoint.epoch"),
                                        stepInEpoch: try integer("checkpoint.step_in_epoch"), lossSum: lossSum)
        do {
            try trainer.restore(position: position, globalStep: try integer("checkpoint.global_step"),
                                order: try file.int32s("trainer.order"),
                                rng: try generator(file.uint64s("trainer.rng"), name: "trainer.rng", path: path), history: history)
        } catch let error as TrainingError {
            throw fail(.incompatible, "\(error)")
        }
    }

    static func words(_ g: SeededGenerator) -> [UInt64] {
        [g.state.0, g.state.1, g.state.2, g.state.3]
    }

    /// The generator stored in tensor `name`; a state it could not continue
    /// from (all zeros) is a corrupt file.
    static func generator(_ w: [UInt64], name: String, path: String) throws -> SeededGenerator {
        do {
            return try SeededGenerator(restoring: w)
        } catch let error as SeededGenerator.InvalidState {
            throw SerializationError(.invalidMetadata, path: path, "tensor '\(name)': \(error)")
        }
    }
}
