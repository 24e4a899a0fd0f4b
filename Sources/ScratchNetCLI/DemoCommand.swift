import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet demo <name>`: the book's worked examples, run by the same
/// library functions the tests check.
struct DemoCommand: ParsableCommand {
    enum Name: String, CaseIterable, ExpressibleByArgument {
        case gates
        case gradientDescent = "gradient-descent"
        case optimizers
        case toySigmoidNet = "toy-sigmoid-net"
        case regression
        case optimizerCompare = "optimizer-compare"
        case weightInit = "weight-init"
        case overfit
        case batchnorm
        case gradientCheck = "gradient-check"

        var summary: String {
            switch self {
            case .gates: return "AND, NAND, OR perceptrons and XOR = AND(NAND, OR) (ch. 2)"
            case .gradientDescent: return "numerical gradient descent on x0² + x1² from (−3, 4) (ch. 4)"
            case .optimizers: return "SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam on x²/20 + y² (ch. 6)"
            case .toySigmoidNet: return "3-4-1 sigmoid net learns a 4-sample XOR table, sum-of-squares loss"
            case .regression: return "fit a piecewise-linear curve with sigmoid/ReLU units, MSE and MAE, vs a line"
            case .optimizerCompare: return "each optimizer on a 4×100 ReLU net, Fashion-MNIST (ch. 6)"
            case .weightInit: return "std 0.01 vs Xavier vs He init on a 4×100 ReLU net, Fashion-MNIST (ch. 6)"
            case .overfit: return "300 samples, 6×100 net, with and without weight decay 0.1, then dropout 0.2 (ch. 6)"
            case .batchnorm: return "5×100 net with and without BatchNorm at 16 weight scales, 1000 samples (ch. 6)"
            case .gradientCheck: return "backprop vs numerical gradients: two-layer net, small conv net (ch. 5, 7)"
            }
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run one of the book's examples and print its results.",
        discussion: "Demos:\n" + Name.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n")
    )

    @Argument(help: "Which demo: \(Name.allCases.map(\.rawValue).joined(separator: ", ")).")
    var name: Name

    @Option(help: "Iterations (steps, or epochs for overfit; gates has none); default: the book's (gradient-descent 100, optimizers 30, toy-sigmoid-net 1500, regression 3000, optimizer-compare and weight-init 2000, overfit 201 epochs with weight decay and 301 with dropout, batchnorm 20 epochs).")
    var iterations: Int?

    @Option(help: "Random seed: fixes initial weights and batches.")
    var seed: UInt64 = 1

    @OptionGroup(title: "Data (the Fashion-MNIST demos)")
    var data: DataOptions

    var dataDirectory: String { data.directory }

    func validate() throws {
        if let iterations {
            guard iterations >= 1 else { throw ValidationError("--iterations must be >= 1, got \(iterations)") }
            guard iterations <= Self.maximumIterations else {
                throw ValidationError("--iterations must be at most \(Self.maximumIterations), got \(iterations)")
            }
        }
    }

    /// As many as `train --epochs` allows: a typo such as `--iterations
    /// 2147483647` must not start a run (and a path of that many points)
    /// that never ends.
    static let maximumIterations = Trainer.maximumEpochs

    func run() throws {
        let lines: [String]
        switch name {
        case .gates:
            lines = LogicGatesDemo.report(LogicGatesDemo.run())
        case .gradientDescent:
            lines = GradientDescentDemo.report(GradientDescentDemo.run(steps: iterations ?? 100))
        case .optimizers:
            lines = OptimizerPathsDemo.report(try OptimizerPathsDemo.run(steps: iterations ?? 30))
        case .toySigmoidNet:
            lines = ToySigmoidNetDemo.report(try ToySigmoidNetDemo.run(iterations: iterations ?? 1500, seed: seed))
        case .regression:
            lines = RegressionDemo.report(try RegressionDemo.run(iterations: iterations ?? 3000, seed: seed))
        case .gradientCheck:
            var images: LabeledImages?
            do {
                images = try MNISTFormat.load(directory: dataDirectory).train
            } catch {
                print("(no Fashion-MNIST at \(dataDirectory): the two-layer net is checked on random images)")
            }
            lines = GradientCheckDemo.report(try GradientCheckDemo.run(images: images, seed: seed))
        case .optimizerCompare, .weightInit, .overfit, .batchnorm:
            let (train, test) = try MNISTFormat.load(directory: dataDirectory)
            switch name {
            case .optimizerCompare:
                let n = iterations ?? 2000
                let every = max(1, n / 20)
                let curves = try OptimizerCompareDemo.run(train: train, test: test, iterations: n, reportEvery: every, seed: seed)
                lines = RandomBatchTraining.report(curves, reportEvery: every, iterations: n)
            case .weightInit:
                let n = iterations ?? 2000
                let every = max(1, n / 20)
                let curves = try WeightInitDemo.run(train: train, test: test, iterations: n, reportEvery: every, seed: seed)
                lines = RandomBatchTraining.report(curves, reportEvery: every, iterations: n)
            case .batchnorm:
                lines = BatchNormDemo.report(try BatchNormDemo.run(train: train, epochs: iterations ?? 20, seed: seed))
            default:
                let decayEpochs = iterations ?? 201, dropoutEpochs = iterations ?? 301
                lines = OverfitDemo.report(try OverfitDemo.run(train: train, test: test, epochs: decayEpochs,
                                                               regularizations: [.none, .weightDecay(0.1)],
                                                               evaluateEvery: max(1, decayEpochs / 10), seed: seed))
                    + OverfitDemo.report(try OverfitDemo.run(train: train, test: test, epochs: dropoutEpochs,
                                                             regularizations: [.none, .dropout(0.2)],
                                                             evaluateEvery: max(1, dropoutEpochs / 10), seed: seed))
            }
        }
        for line in lines { print(line) }
    }
}
