import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// The search space: optimizers, activations, per-optimizer learning-rate
/// ranges, seeded sampling.
@Suite("Search space")
struct SearchSpaceTests {
    @Test func defaultRangesHoldEveryOptimizersDefaultRate() {
        let space = SearchSpace()
        #expect(space.optimizers == OptimizerKind.allCases)
        #expect(space.activations == ActivationKind.allCases)
        for optimizer in OptimizerKind.allCases {
            let range = space.learningRate(for: optimizer)
            #expect(range.contains(SearchSpace.defaultLearningRate(for: optimizer)), "\(optimizer)")
            #expect(abs(range.width - 4) < 1e-12)
        }
        // SGD trains at 0.1 by default: its range is 1e-4...1.
        let sgd = space.learningRate(for: .sgd)
        #expect(abs(sgd.lowerExponent - -4) < 1e-12 && abs(sgd.upperExponent - 0) < 1e-12)
        let adam = space.learningRate(for: .adam)
        #expect(abs(adam.lowerExponent - -6) < 1e-12 && abs(adam.upperExponent - -2) < 1e-12)
    }

    @Test func samplingIsDeterministicPerSeed() {
        let space = SearchSpace()
        let a = HyperparameterSearch(space: space, trialsPerRound: 50, seed: 11).trials(round: 0, space: space)
        let b = HyperparameterSearch(space: space, trialsPerRound: 50, seed: 11).trials(round: 0, space: space)
        let c = HyperparameterSearch(space: space, trialsPerRound: 50, seed: 12).trials(round: 0, space: space)
        #expect(a == b)
        #expect(a != c)
        for t in a {
            #expect(space.learningRate(for: t.optimizer).contains(t.learningRate))
            #expect(space.weightDecay.contains(t.weightDecay))
        }
    }

    /// 600 draws over 6 optimizers and 3 activations: each choice's chance
    /// of never appearing is below (5/6)^600 ≈ 1e-48; each lr range's lower
    /// and upper decade is reached too (a decade in four: (3/4)^100 per optimizer).
    @Test func everyChoiceAndEveryDecadeIsReachable() {
        let space = SearchSpace()
        let trials = HyperparameterSearch(space: space, trialsPerRound: 600, seed: 3).trials(round: 0, space: space)
        #expect(Set(trials.map(\.optimizer)) == Set(OptimizerKind.allCases))
        #expect(Set(trials.map(\.activation)) == Set(ActivationKind.allCases))
        for optimizer in OptimizerKind.allCases {
            let range = space.learningRate(for: optimizer)
            let exponents = trials.filter { $0.optimizer == optimizer }.map { log10($0.learningRate) }
            #expect(exponents.contains { $0 < range.lowerExponent + 1 }, "\(optimizer): lowest decade")
            #expect(exponents.contains { $0 > range.upperExponent - 1 }, "\(optimizer): highest decade")
        }
    }

    @Test func restrictedSpacesDrawOnlyTheirChoices() {
        let space = SearchSpace(optimizers: [.adam, .sgd, .adam], activations: [.tanh], learningRate: LogUniformRange(-6, -2))
        #expect(space.optimizers == [.adam, .sgd])
        let trials = HyperparameterSearch(space: space, trialsPerRound: 100, seed: 1).trials(round: 0, space: space)
        #expect(Set(trials.map(\.optimizer)) == [.adam, .sgd])
        #expect(trials.allSatisfy { $0.activation == .tanh && LogUniformRange(-6, -2).contains($0.learningRate) })
    }

    @Test func narrowingKeepsTheBestTrialsChoices() {
        let space = SearchSpace()
        func outcome(_ i: Int, _ o: OptimizerKind, _ a: ActivationKind, lr: Double, acc: Double) -> TrialOutcome {
            TrialOutcome(trial: Trial(index: i, round: 0, optimizer: o, activation: a, learningRate: lr, weightDecay: 1e-6),
                         validationAccuracy: acc, trainAccuracy: acc, finalLoss: 1 - acc, seconds: 0)
        }
        let next = space.narrowed(toBest: [
            outcome(0, .adam, .tanh, lr: 1e-3, acc: 0.9),
            outcome(1, .sgd, .relu, lr: 0.1, acc: 0.85),
            outcome(2, .adam, .relu, lr: 3e-3, acc: 0.8),
            outcome(3, .rmsprop, .sigmoid, lr: 1e-2, acc: 0.1),
        ], keep: 3)
        #expect(next.optimizers == [.sgd, .adam])
        #expect(next.activations == [.relu, .tanh])
        #expect(abs(next.learningRate(for: .adam).width - log10(3.0)) < 1e-9)
        #expect(next.learningRate(for: .sgd).contains(0.1) && abs(next.learningRate(for: .sgd).width - 0.1) < 1e-9)
    }

    @Test func activationReplacementKeepsParameterShapes() throws {
        let spec = Preset.mlp.spec(inputShape: [1, 4, 4], classes: 3, hidden: [5, 6])
        let tanh = ActivationKind.tanh.replacingActivations(in: spec)
        #expect(tanh.layers.filter { $0 == .tanh }.count == 2)
        #expect(!tanh.layers.contains(.relu))
        #expect(try tanh.outputShapes() == spec.outputShapes())
    }
}

extension SearchSpaceTests {
    /// Trial 1 is what `train` does without a search (SGD at 0.1, ReLU, no
    /// weight decay to speak of), so the best trial is never worse than it.
    @Test func theFirstTrialIsTheBaseline() {
        let space = SearchSpace()
        let trials = HyperparameterSearch(space: space, trialsPerRound: 5, seed: 9).trials(round: 0, space: space)
        #expect(trials[0].optimizer == .sgd && trials[0].activation == .relu)
        #expect(abs(trials[0].learningRate - 0.1) < 1e-12 && abs(trials[0].weightDecay - 1e-8) < 1e-20)
        // Only round 0 starts there; without it, trial 0 is drawn.
        let later = HyperparameterSearch(space: space, trialsPerRound: 5, seed: 9).trials(round: 1, space: space)
        #expect(later[0].learningRate != 0.1)
        let drawn = HyperparameterSearch(space: space, trialsPerRound: 5, seed: 9, startsFromBaseline: false).trials(round: 0, space: space)
        #expect(drawn[0] != trials[0])
        // A range without the default rate clips it.
        let book = HyperparameterSearch(space: .book, trialsPerRound: 2, seed: 1).trials(round: 0, space: .book)
        #expect(abs(book[0].learningRate - 1e-2) < 1e-12)
    }
}
