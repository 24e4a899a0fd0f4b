import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// SGD with momentum, written here only so that checkpoints are tested with
/// an optimizer that has state (the library's optimizers live elsewhere).
final class MomentumForTests: Optimizer {
    var learningRate: Float = 0.05
    let momentum: Float = 0.9
    var name: String { "momentum-test" }
    var stepCount = 0
    private var velocities: [Tensor] = []
    private var names: [String] = []

    func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws {
        velocities = try parameters.map { try arena.allocate($0.value.shape, name: "velocity of \($0.name)") }
        names = parameters.map(\.name)
    }

    func update(_ parameters: [Parameter]) {
        stepCount += 1
        for (p, v) in zip(parameters, velocities) {
            for i in 0..<p.value.count {
                v.pointer[i] = momentum * v.pointer[i] - learningRate * p.gradient.pointer[i]
                p.value.pointer[i] += v.pointer[i]
            }
        }
    }

    var stateTensors: [NamedTensor] {
        zip(names, velocities).map { NamedTensor(name: "\($0).velocity", tensor: $1) }
    }
}

/// A checkpoint continues a run exactly: the resumed run's final weights are
/// bit-identical to an uninterrupted run's, and a process killed while
/// writing never leaves a torn checkpoint.
@Suite("Checkpoints", .serialized)
struct CheckpointTests {
    /// 230 random 1×4×4 samples of 3 classes: batches of 50 leave a last batch of 30.
    static let data: LabeledImages = {
        var rng = SeededGenerator(seed: 11)
        let labels = (0..<230).map { _ in UInt8(rng.nextInt(below: 3)) }
        let pixels = labels.flatMap { label in (0..<16).map { k in UInt8(k / 6 == Int(label) ? 150 + rng.nextInt(below: 100) : rng.nextInt(below: 100)) } }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 4, 4], source: "synthetic")
    }()
    static let spec = Preset.mlp.spec(inputShape: [1, 4, 4], classes: 3, hidden: [12, 7])

    static func trainer(initSeed: UInt64, epochs: Int = 3) throws -> Trainer {
        let network = try Network(spec: spec, maxBatch: 50, optimizer: MomentumForTests(), seed: initSeed, threads: 2)
        return try Trainer(network: network, train: data, test: nil, options: .init(epochs: epochs, batchSize: 50, seed: 4))
    }

    static func weights(_ t: Trainer) -> [[UInt32]] {
        t.network.parameters.map { $0.value.toArray().map(\.bitPattern) }
            + (t.network.optimizer?.stateTensors ?? []).map { $0.tensor.toArray().map(\.bitPattern) }
    }

    /// Trains to the end, but stops at `stopAfterStep` (or after epoch
    /// `stopAfterEpoch`), checkpoints there, resumes into a fresh trainer
    /// whose weights were initialized differently, and finishes.
    static func interruptedRun(stopAfterStep: Int? = nil, stopAfterEpoch: Int? = nil) throws -> Trainer {
        let dir = TemporaryDirectory()
        let path = dir.path("c.safetensors")
        let first = try trainer(initSeed: 1)
        _ = try first.run(afterStep: { t in
            guard t.globalStep == stopAfterStep else { return true }
            try Checkpoint.save(t, to: path)
            return false
        }, afterEpoch: { t in
            guard t.position.epoch - 1 == stopAfterEpoch else { return true }
            try Checkpoint.save(t, to: path)
            return false
        })
        #expect(first.stoppedEarly)
        let file = try SafeTensors.read(path: path)
        #expect(try ModelFile.spec(in: file) == spec)
        let second = try trainer(initSeed: 999)
        try Checkpoint.restore(second, from: file)
        _ = try second.run()
        #expect(!second.stoppedEarly)
        return second
    }

    @Test(arguments: [1, 4, 5, 7, 14])
    func resumingAfterAnyStepGivesBitIdenticalWeights(step: Int) throws {
        let uninterrupted = try Self.trainer(initSeed: 1)
        _ = try uninterrupted.run()
        let resumed = try Self.interruptedRun(stopAfterStep: step)
        #expect(Self.weights(resumed) == Self.weights(uninterrupted))
        #expect(resumed.globalStep == uninterrupted.globalStep)
        #expect(resumed.network.optimizer!.stepCount == uninterrupted.network.optimizer!.stepCount)
        #expect(resumed.history.map(\.meanLoss) == uninterrupted.history.map(\.meanLoss))
    }

    @Test func resumingAfterAnEpochGivesBitIdenticalWeights() throws {
        let uninterrupted = try Self.trainer(initSeed: 1)
        _ = try uninterrupted.run()
        let resumed = try Self.interruptedRun(stopAfterEpoch: 1)
        #expect(Self.weights(resumed) == Self.weights(uninterrupted))
        #expect(resumed.history.map(\.trainAccuracy) == uninterrupted.history.map(\.trainAccuracy))
    }

    @Test func checkpointOfAnotherRunIsRefused() throws {
        let t = try Self.trainer(initSeed: 1)
        _ = try t.trainEpoch(epoch: 1)
        let bytes = Checkpoint.encode(t)
        let file = try SafeTensors(parsing: bytes, path: "c")

        let otherBatch = try Trainer(network: try Network(spec: Self.spec, maxBatch: 50, optimizer: MomentumForTests()),
                                     train: Self.data, test: nil, options: .init(epochs: 3, batchSize: 25, seed: 4))
        #expect(throws: SerializationError(.incompatible, path: "c", "the run was checkpointed with batch size 50, this one uses 25 (pass --batch-size 50)")) {
            try Checkpoint.restore(otherBatch, from: file)
        }
        let otherOptimizer = try Trainer(network: try Network(spec: Self.spec, maxBatch: 50, optimizer: SGD()),
                                         train: Self.data, test: nil, options: .init(epochs: 3, batchSize: 50, seed: 4))
        #expect(throws: SerializationError(.incompatible, path: "c", "the run was checkpointed with optimizer momentum-test, this one uses sgd")) {
            try Checkpoint.restore(otherOptimizer, from: file)
        }
        let smallerData = try Trainer(network: try Network(spec: Self.spec, maxBatch: 50, optimizer: MomentumForTests()),
                                      train: Self.data.subset(0..<200), test: nil, options: .init(epochs: 3, batchSize: 50, seed: 4))
        #expect(throws: SerializationError(.wrongShape, path: "c", "tensor 'trainer.order' has shape [230], expected [200] (data order of the 200-sample training set)")) {
            try Checkpoint.restore(smallerData, from: file)
        }
        let model = try SafeTensors(parsing: ModelFile.writer(for: t.network).encoded(), path: "m")
        #expect(throws: SerializationError(.missingMetadata, path: "m", "not a checkpoint (no 'scratchnet.kind': checkpoint in the metadata); a model file can be evaluated but not resumed")) {
            try Checkpoint.restore(try Self.trainer(initSeed: 1), from: model)
        }
    }

    @Test func checkpointWhoseOrderIsNotAPermutationIsRefused() throws {
        let t = try Self.trainer(initSeed: 1)
        let good = try SafeTensors(parsing: Checkpoint.encode(t), path: "c")
        var writer = SafeTensorsWriter(metadata: good.metadata)
        for info in good.tensors {
            if info.name == "trainer.order" {
                writer.add(info.name, int32s: [Int32](repeating: 3, count: 230))
            } else {
                writer.add(info.name, dtype: info.dtype, shape: info.shape, bytes: Array(good.bytes[info.byteRange]))
            }
        }
        let bad = try SafeTensors(parsing: writer.encoded(), path: "c")
        #expect(throws: SerializationError(.incompatible, path: "c", "the checkpoint's data order is not a permutation of the 230 training samples")) {
            try Checkpoint.restore(try Self.trainer(initSeed: 1), from: bad)
        }
    }

    /// Kills `scratchnet train` at random moments while it checkpoints every
    /// step, resumes it each time, and checks that the checkpoint on disk is
    /// always absent or complete, that progress never goes backwards, and
    /// that the final model equals an uninterrupted run's, byte for byte.
    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func killedWhileCheckpointingNeverTearsTheFileAndResumesExactly() throws {
        let dir = TemporaryDirectory()
        try TestTools.writeTinyDataset(in: dir.root, train: 200, test: 20)
        let common = ["train", "--data", dir.root, "--model", "mlp", "--hidden", "256,256", "--epochs", "20",
                      "--batch-size", "10", "--lr", "0.05", "--threads", "2", "--quiet"]
        let checkpoint = dir.path("c.safetensors")
        let final = dir.path("final.safetensors")
        // The reference checkpoints every step too, so its wall time is what a
        // killed run would have taken; kills land at random points inside it.
        let started = Stopwatch()
        let reference = try TestTools.run(TestTools.scratchnet!, common + [
            "--checkpoint", dir.path("ref-c.safetensors"), "--checkpoint-every", "1", "--checkpoint-unit", "steps",
            "--save", dir.path("reference.safetensors")])
        let runSeconds = started.elapsed
        #expect(reference.status == 0, "\(reference.output)")

        var rng = SeededGenerator(seed: 77)
        var lastStep = -1
        var kills = 0
        var finished = false
        for attempt in 0..<200 where !finished {
            let resume = FileManager.default.fileExists(atPath: checkpoint) ? ["--resume", checkpoint] : []
            let process = try TestTools.start(TestTools.scratchnet!, common + resume + [
                "--checkpoint", checkpoint, "--checkpoint-every", "1", "--checkpoint-unit", "steps", "--save", final])
            // Kill until enough kills have landed, then let one run finish.
            if kills < 8 && attempt < 150 {
                usleep(UInt32(1e6 * runSeconds * (0.03 + 0.2 * rng.nextUniform())))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
            }
            process.waitUntilExit()
            if process.terminationReason == .exit {
                #expect(process.terminationStatus == 0)
                finished = true
            }
            guard FileManager.default.fileExists(atPath: checkpoint) else { continue }
            // Complete, valid, and not older than the last one seen.
            let file = try SafeTensors.read(path: checkpoint)
            _ = try ModelFile.spec(in: file)
            let step = try #require(file.metadata["checkpoint.global_step"].flatMap(Int.init))
            #expect(step >= lastStep, "checkpoint went back from step \(lastStep) to \(step)")
            lastStep = step
        }
        #expect(kills >= 3, "only \(kills) kills landed (a run takes \(runSeconds) s)")
        try #require(finished, "the run never finished (last checkpoint at step \(lastStep))")
        #expect(try AtomicFile.read(final) == AtomicFile.read(dir.path("reference.safetensors")),
                "the killed-and-resumed run's model differs from the uninterrupted run's")
    }
}

extension CheckpointTests {
    /// The MLP of the other tests with dropout 0.3 after each hidden ReLU:
    /// its masks come from the layers' own generators, which the checkpoint
    /// saves as `rng.layers.<i>`.
    static let dropoutSpec = Preset.mlp.spec(inputShape: [1, 4, 4], classes: 3, hidden: [12, 7], dropout: 0.3)

    static func dropoutTrainer(initSeed: UInt64) throws -> Trainer {
        let network = try Network(spec: dropoutSpec, maxBatch: 50, optimizer: MomentumForTests(), seed: initSeed)
        return try Trainer(network: network, train: data, test: nil, options: .init(epochs: 3, batchSize: 50, seed: 4))
    }

    /// Stopping mid-epoch 2 (global step 7: step 2 of 5 in epoch 2), checkpointing and resuming into a
    /// network initialized from another seed ends bit-identical to the
    /// uninterrupted run: only restored dropout generators draw the same
    /// masks (the fresh network's own generators, seeded from 999, would not).
    @Test func resumingADropoutNetworkMidEpochGivesBitIdenticalWeights() throws {
        let uninterrupted = try Self.dropoutTrainer(initSeed: 1)
        _ = try uninterrupted.run()

        let dir = TemporaryDirectory()
        let path = dir.path("dropout.safetensors")
        let first = try Self.dropoutTrainer(initSeed: 1)
        _ = try first.run(afterStep: { t in
            guard t.globalStep == 7 else { return true }
            try Checkpoint.save(t, to: path)
            return false
        })
        #expect(first.stoppedEarly && first.position.stepInEpoch == 2)
        let file = try SafeTensors.read(path: path)
        let dropoutIndices = Self.dropoutSpec.layers.indices.filter {
            if case .dropout = Self.dropoutSpec.layers[$0] { return true } else { return false }
        }
        #expect(dropoutIndices == [2, 5])
        #expect(file.tensors.map(\.name).filter { $0.hasPrefix("rng.layers.") } == dropoutIndices.map { "rng.layers.\($0)" })

        let second = try Self.dropoutTrainer(initSeed: 999)
        try Checkpoint.restore(second, from: file)
        _ = try second.run()
        #expect(Self.weights(second) == Self.weights(uninterrupted))
        #expect(second.history.map(\.meanLoss) == uninterrupted.history.map(\.meanLoss))

        // The same resume with the fresh network's own dropout generators
        // (everything else restored) diverges: the generators matter.
        let unrestoredRNG = try Self.dropoutTrainer(initSeed: 999)
        try Checkpoint.restore(unrestoredRNG, from: file)
        let fresh = try Self.dropoutTrainer(initSeed: 999)
        for (layer, own) in zip(unrestoredRNG.network.layers, fresh.network.layers) where layer.generator != nil {
            layer.generator = own.generator
        }
        _ = try unrestoredRNG.run()
        #expect(Self.weights(unrestoredRNG) != Self.weights(uninterrupted))
    }
}
