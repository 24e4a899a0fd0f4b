import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// What a model file, a checkpoint or a data set claims is checked when it
/// is loaded: sizes and geometry, finite weights, generator states that can
/// continue, counters that agree, labels that fit the classes.
@Suite("Load validation", .serialized)
struct LoadValidationTests {
    let dir = TemporaryDirectory()

    static func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// A checkpoint of ``CheckpointTests``' run, stopped mid-way in epoch 2.
    func checkpoint() throws -> SafeTensors {
        let trainer = try CheckpointTests.trainer(initSeed: 3)
        var steps = 0
        _ = try trainer.run(afterStep: { _ in steps += 1; return steps < 7 })
        let path = dir.path("run.safetensors")
        try Checkpoint.save(trainer, to: path)
        return try SafeTensors.read(path: path)
    }

    /// Restores the checkpoint at `path` into a fresh trainer of the same run.
    static func restore(_ path: String) throws {
        try Checkpoint.restore(try CheckpointTests.trainer(initSeed: 3), from: try SafeTensors.read(path: path))
    }

    @Test func theUneditedCheckpointRestores() throws {
        let path = dir.path("run.safetensors")
        _ = try checkpoint()
        try Self.restore(path)
    }

    @Test func zeroGeneratorStatesAreRefusedNamingTheTensor() throws {
        #expect(throws: SeededGenerator.InvalidState.self) { _ = try SeededGenerator(restoring: [0, 0, 0, 0]) }
        #expect(throws: SeededGenerator.InvalidState.self) { _ = try SeededGenerator(restoring: [1, 2, 3]) }
        #expect(try SeededGenerator(restoring: [0, 0, 0, 1]).state == (0, 0, 0, 1))
        let file = try checkpoint()
        let edited = dir.path("zero-rng.safetensors")
        try HostileFileCrafting.rewrite(file, to: edited, tensors: ["trainer.rng": HostileFileCrafting.bytes([0, 0, 0, 0] as [UInt64])])
        let message = Self.error { try Self.restore(edited) }
        #expect(message == "\(edited): tensor 'trainer.rng': generator state is all zeros, which xoshiro256** never leaves")

        // A dropout layer's generator goes through the same check.
        let trainer = try CheckpointTests.dropoutTrainer(initSeed: 1)
        let dropoutPath = dir.path("dropout.safetensors")
        try Checkpoint.save(trainer, to: dropoutPath)
        let dropoutFile = try SafeTensors.read(path: dropoutPath)
        let name = try #require(dropoutFile.tensors.first { $0.name.hasPrefix("rng.layers.") }?.name)
        try HostileFileCrafting.rewrite(dropoutFile, to: edited, tensors: [name: HostileFileCrafting.bytes([0, 0, 0, 0] as [UInt64])])
        let dropoutMessage = Self.error {
            try Checkpoint.restore(try CheckpointTests.dropoutTrainer(initSeed: 1), from: try SafeTensors.read(path: edited))
        }
        #expect(dropoutMessage?.contains("tensor '\(name)': generator state is all zeros") == true, "\(dropoutMessage ?? "no error")")
    }

    @Test(arguments: [
        ("checkpoint.global_step", "9223372036854775807", "global step 9223372036854775807 does not match"),
        ("checkpoint.global_step", "0", "global step 0 does not match"),
        ("checkpoint.epoch", "9223372036854775807", "does not fit this run"),
        ("checkpoint.epoch", "0", "does not fit this run"),
        ("checkpoint.step_in_epoch", "9223372036854775807", "does not fit this run"),
        ("checkpoint.step_in_epoch", "5", "does not match"),
        ("checkpoint.optimizer_steps", "9223372036854775807", "'checkpoint.optimizer_steps' is 9223372036854775807"),
        ("checkpoint.history", "[{\"epoch\":1,\"meanLoss\":1,\"trainAccuracy\":1,\"trainSeconds\":1,\"samplesPerSecond\":1},{\"epoch\":2,\"meanLoss\":1,\"trainAccuracy\":1,\"trainSeconds\":1,\"samplesPerSecond\":1}]", "2 epoch reports but is in epoch 2"),
        ("checkpoint.global_step", "-1", "not a count"),
    ])
    func inconsistentCountersAreRefused(key: String, value: String, message: String) throws {
        let file = try checkpoint()
        let edited = dir.path("edited.safetensors")
        try HostileFileCrafting.rewrite(file, to: edited, metadata: { $0[key] = value })
        let error = Self.error { try Self.restore(edited) }
        #expect(error?.contains(message) == true, "\(error ?? "no error")")
        #expect(error?.hasPrefix(edited) == true, "\(error ?? "no error")")
    }

    @Test func aCheckpointWhoseOrderIsNotAPermutationIsRefused() throws {
        let file = try checkpoint()
        let edited = dir.path("order.safetensors")
        var order = try file.int32s("trainer.order")
        order[1] = order[0]
        let bytes = order.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        try HostileFileCrafting.rewrite(file, to: edited, tensors: ["trainer.order": bytes])
        #expect(Self.error { try Self.restore(edited) }?.contains("not a permutation") == true)
    }

    @Test func nonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let network = try Network(spec: CheckpointTests.spec, maxBatch: 4)
        let path = dir.path("model.safetensors")
        try ModelFile.save(network, to: path)
        let file = try SafeTensors.read(path: path)
        for bad in [Float.nan, .infinity, -.infinity] {
            var values = try file.floats("layers.2.weight")
            values[5] = bad
            try HostileFileCrafting.rewrite(file, to: dir.path("bad.safetensors"), tensors: ["layers.2.weight": HostileFileCrafting.bytes(values)])
            let message = Self.error { _ = try ModelFile.load(path: dir.path("bad.safetensors"), maxBatch: 4) }
            #expect(message == "\(dir.path("bad.safetensors")): tensor 'layers.2.weight' holds \(bad) at element 5: weights must be finite numbers")
        }
        // Optimizer state in a checkpoint too.
        let checkpoint = try self.checkpoint()
        let name = try #require(checkpoint.tensors.first { $0.name.hasPrefix("optimizer.") }?.name)
        var values = try checkpoint.floats(name)
        values[0] = .nan
        try HostileFileCrafting.rewrite(checkpoint, to: dir.path("bad.safetensors"), tensors: [name: HostileFileCrafting.bytes(values)])
        #expect(Self.error { try Self.restore(dir.path("bad.safetensors")) }?.contains("tensor '\(name)' holds nan") == true)
    }

    @Test func aModelFileWithAHugeConvPaddingIsRefusedBeforeAnyArithmetic() throws {
        let network = try Network(spec: Preset.simpleCNN.spec(), maxBatch: 2)
        let path = dir.path("cnn.safetensors")
        try ModelFile.save(network, to: path)
        let file = try SafeTensors.read(path: path)
        for padding in [1_000_000_000, Int.max, Int.max / 2] {
            let json = try HostileFileCrafting.specWithConvPadding(file, padding: padding)
            let edited = dir.path("pad.safetensors")
            try HostileFileCrafting.rewrite(file, to: edited, metadata: { $0[ModelFile.specKey] = json })
            let message = Self.error { _ = try ModelFile.load(path: edited, maxBatch: 2) }
            #expect(message?.hasPrefix("\(edited): 'scratchnet.spec': layer 0 (conv5x5(30, stride 1, pad \(padding))): padding \(padding) must be smaller than the kernel 5") == true,
                    "\(message ?? "no error")")
        }
    }

    @Test func classCountsAreCheckedInOnePlace() throws {
        func set(_ labels: [UInt8], _ name: String = "set") -> LabeledImages {
            LabeledImages(pixels: [UInt8](repeating: 0, count: labels.count), labels: labels, sampleShape: [1], source: name)
        }
        let full = Array(0..<10).map(UInt8.init)
        #expect(try LabeledImages.classCount(of: [set(full), set(full)]) == .init(classes: 10, emptyClasses: []))
        #expect(try LabeledImages.classCount(of: [set(full)]).warning == nil)
        // One label byte changed to 200: refused, naming it and its sample.
        var corrupt = full + full
        corrupt[13] = 200
        #expect(Self.error { _ = try LabeledImages.classCount(of: [set(full, "test"), set(corrupt, "train")]) }
                == "train: cannot read: label 200 of sample 13 implies 201 classes, but only 11 different labels occur (a corrupt label?)")
        // A gap within twice the distinct labels: a warning only.
        let gap = try LabeledImages.classCount(of: [set([0, 1, 2, 5])])
        #expect(gap == .init(classes: 6, emptyClasses: [3, 4]))
        #expect(gap.warning == "the labels leave 2 of 6 classes without samples (3, 4)")
        #expect(try LabeledImages.classCount(of: []) == .init(classes: 0, emptyClasses: []))
    }
}

/// Hostile model files, checkpoints and labels through the built binary:
/// one line on standard error, a sysexits status, no signal.
@Suite("Load validation on the command line", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct LoadValidationCLITests {
    let dir = TemporaryDirectory()

    static func expectOneLineFailure(_ arguments: [String], says message: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ExternalSizeCLITests.expectOneLineFailure(arguments, says: message, sourceLocation: sourceLocation)
    }

    /// A model file of `spec` for the tiny data set (6×6 images, 3 classes).
    func model(_ spec: NetworkSpec) throws -> SafeTensors {
        let path = dir.path("model.safetensors")
        try ModelFile.save(try Network(spec: spec, maxBatch: 2), to: path)
        return try SafeTensors.read(path: path)
    }

    @Test func evalAndPredictRefuseANaNWeightAndAHugePadding() throws {
        try TestTools.writeTinyDataset(in: dir.root)
        let file = try model(Preset.simpleCNN.spec(inputShape: [1, 6, 6], classes: 3))
        let image = dir.path("t10k-images-idx3-ubyte")
        var values = try file.floats("layers.0.weight")
        values[0] = .nan
        let nan = dir.path("nan.safetensors")
        try HostileFileCrafting.rewrite(file, to: nan, tensors: ["layers.0.weight": HostileFileCrafting.bytes(values)])
        try Self.expectOneLineFailure(["eval", "--model", nan, "--data", dir.root], says: "tensor 'layers.0.weight' holds nan")
        try Self.expectOneLineFailure(["predict", "--model", nan, image], says: "tensor 'layers.0.weight' holds nan")

        let padded = dir.path("padded.safetensors")
        let json = try HostileFileCrafting.specWithConvPadding(file, padding: 1_000_000_000)
        try HostileFileCrafting.rewrite(file, to: padded, metadata: { $0[ModelFile.specKey] = json })
        try Self.expectOneLineFailure(["eval", "--model", padded, "--data", dir.root], says: "padding 1000000000 must be smaller than the kernel 5")
        try Self.expectOneLineFailure(["predict", "--model", padded, image], says: "padding 1000000000 must be smaller than the kernel 5")
        try Self.expectOneLineFailure(["train", "--resume", padded, "--data", dir.root, "--quiet"], says: "padding 1000000000")
    }

    @Test func resumingAnEditedCheckpointIsAOneLineError() throws {
        try TestTools.writeTinyDataset(in: dir.root)
        let checkpoint = dir.path("c.safetensors")
        let common = ["train", "--data", dir.root, "--model", "mlp", "--hidden", "8", "--batch-size", "10", "--quiet"]
        let first = try TestTools.run(TestTools.scratchnet!, common + ["--epochs", "1", "--checkpoint", checkpoint, "--checkpoint-every", "1"])
        try #require(first.status == 0, "\(first.output)")
        let file = try SafeTensors.read(path: checkpoint)
        let edited = dir.path("edited.safetensors")
        let resume = common + ["--epochs", "2", "--resume", edited]

        try HostileFileCrafting.rewrite(file, to: edited, metadata: { $0["checkpoint.global_step"] = "9223372036854775807" })
        try Self.expectOneLineFailure(resume, says: "global step 9223372036854775807 does not match")
        try HostileFileCrafting.rewrite(file, to: edited, metadata: { $0["checkpoint.optimizer_steps"] = "9223372036854775807" })
        try Self.expectOneLineFailure(resume, says: "checkpoint.optimizer_steps")
        try HostileFileCrafting.rewrite(file, to: edited, tensors: ["trainer.rng": HostileFileCrafting.bytes([0, 0, 0, 0] as [UInt64])])
        try Self.expectOneLineFailure(resume, says: "tensor 'trainer.rng': generator state is all zeros")

        // The unedited checkpoint still resumes.
        let ok = try TestTools.run(TestTools.scratchnet!, common + ["--epochs", "2", "--resume", checkpoint])
        #expect(ok.status == 0, "\(ok.output)")
    }

    @Test func aCorruptLabelIsRefusedAndAnEmptyClassIsAWarning() throws {
        try TestTools.writeTinyDataset(in: dir.root)
        let labelsPath = dir.path("train-labels-idx1-ubyte")
        let labels = try IDXArray.read(path: labelsPath)
        var corrupt = labels.bytes
        corrupt[7] = 200
        try IDXArray(dims: labels.dims, bytes: corrupt).write(to: labelsPath)
        try Self.expectOneLineFailure(["train", "--data", dir.root, "--epochs", "1", "--batch-size", "10", "--quiet"],
                                      says: "label 200 of sample 7 implies 201 classes, but only 4 different labels occur")

        // Label 4 in a 3-class set leaves class 3 empty: trains, one warning line.
        corrupt[7] = 4
        try IDXArray(dims: labels.dims, bytes: corrupt).write(to: labelsPath)
        let result = try TestTools.run(TestTools.scratchnet!, ["train", "--data", dir.root, "--epochs", "1", "--batch-size", "10", "--quiet"])
        #expect(result.status == 0, "\(result.output)")
        let warnings = result.output.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 1 && warnings[0].contains("leave 1 of 5 classes without samples (3)"), "\(result.output)")

        // eval: a test label beyond the model's classes.
        let model = try self.model(Preset.mlp.spec(inputShape: [1, 6, 6], classes: 3, hidden: [8]))
        _ = model
        let testLabels = dir.path("t10k-labels-idx1-ubyte")
        let test = try IDXArray.read(path: testLabels)
        var bad = test.bytes
        bad[2] = 200
        try IDXArray(dims: test.dims, bytes: bad).write(to: testLabels)
        try Self.expectOneLineFailure(["eval", "--model", dir.path("model.safetensors"), "--data", dir.root],
                                      says: "label 200 at index 2 is not a class of this network (0..<3)")
    }
}
