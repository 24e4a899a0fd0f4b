import ArgumentParser
import Foundation
import Testing
@testable import ScratchNetCLI
import ScratchNet
import ScratchNetTestSupport

/// `train --recipe`, the recipe's flags, and the time-to-accuracy record.
@Suite("train: recipes and their flags")
struct RecipePlanTests {
    static func plan(_ arguments: [String], in dir: TemporaryDirectory) throws -> RunPlan {
        let command = try TrainCommand.parse(arguments + ["--data", dir.root])
        return try RunPlan(command.recipe?.apply(to: command) ?? command, environment: [:])
    }

    @Test func fastRecipeFixesTheWholeRecipe() throws {
        let dir = TemporaryDirectory()
        let plan = try Self.plan(["--recipe", "fast"], in: dir)
        #expect(plan.model.preset == .fastCNN)
        #expect(plan.optimizer == .adamw)
        #expect(plan.decoupledWeightDecay == 0.05 && plan.model.weightDecay == 0)
        #expect(plan.schedule == .oneCycle(peak: 0.25))
        #expect(plan.augmentation == Augmentation(flip: true, maxShift: 2))
        #expect(plan.labelSmoothing == 0.1 && plan.testTimeFlip)
        #expect(plan.trainerOptions.labelSmoothing == 0.1 && plan.trainerOptions.testTimeFlip)
        #expect(plan.epochs == 17 && plan.batchSize == 128 && plan.learningRate == 0.005)
    }

    @Test func flagsBeatTheRecipe() throws {
        let dir = TemporaryDirectory()
        let plan = try Self.plan(["--recipe", "fast", "--epochs", "3", "--lr", "0.01", "--lr-schedule", "cosine",
                                  "--tta", "none", "--label-smoothing", "0", "--optimizer", "adam"], in: dir)
        #expect(plan.epochs == 3 && plan.learningRate == 0.01 && plan.schedule == .cosine(floor: 0))
        #expect(!plan.testTimeFlip && plan.labelSmoothing == 0)
        #expect(plan.optimizer == .adam && plan.decoupledWeightDecay == nil && plan.model.weightDecay == 0.05)
    }

    @Test func aModelFileKeepsItsArchitectureUnderTheRecipe() throws {
        let dir = TemporaryDirectory()
        let command = try TrainCommand.parse(["--recipe", "fast", "--init-from", "m.onnx"])
        let applied = Recipe.fast.apply(to: command)
        #expect(applied.modelOptions.model == nil && applied.optimizer == .adamw && applied.epochs == 17)
        let resumed = Recipe.fast.apply(to: try TrainCommand.parse(["--recipe", "fast", "--resume", dir.path("run.ckpt")]))
        #expect(resumed.modelOptions.model == nil && resumed.labelSmoothing == 0.1)
    }

    @Test func warmupWrapsTheScheduleAndIsChecked() throws {
        let dir = TemporaryDirectory()
        let plan = try Self.plan(["--lr-schedule", "cosine", "--warmup-epochs", "0.5", "--epochs", "4"], in: dir)
        #expect(plan.schedule == .warmup(epochs: 0.5, then: .cosine(floor: 0)))
        #expect(throws: (any Error).self) { try Self.plan(["--warmup-epochs", "5", "--epochs", "4"], in: dir) }
        #expect(throws: (any Error).self) { try Self.plan(["--label-smoothing", "1"], in: dir) }
        #expect(throws: (any Error).self) { try Self.plan(["--model", "fast-cnn", "--hidden", "8,8,8,8,8"], in: dir) }
        #expect(try Self.plan(["--model", "fast-cnn", "--hidden", "8,16"], in: dir).model.hidden?.sizes == [8, 16])
    }

    @Test func timeToAccuracyKeepsTheFirstEpochReachingEachThreshold() throws {
        var record = TimeToAccuracy()
        record.record(accuracy: 0.915, at: 10)
        record.record(accuracy: 0.925, at: 20)
        record.record(accuracy: 0.921, at: 30)
        record.record(accuracy: 0.935, at: 40)
        record.record(accuracy: nil, at: 50)
        #expect(record.seconds == ["0.92": 20, "0.93": 40])
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        #expect(json.contains("\"0.93\":40"))
    }
}
