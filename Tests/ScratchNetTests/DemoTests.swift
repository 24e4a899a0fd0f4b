import Testing
import ScratchNet

/// Every `scratchnet demo`, run through the same library function with
/// fewer iterations where the full run is long.
@Suite("Demos")
struct DemoTests {
    @Test func gatesGiveTheirTruthTables() {
        let tables = LogicGatesDemo.run()
        let outputs = Dictionary(uniqueKeysWithValues: tables.map { ($0.gate, $0.rows.map(\.y)) })
        // Rows are (0,0), (1,0), (0,1), (1,1).
        #expect(outputs["AND"] == [0, 0, 0, 1])
        #expect(outputs["NAND"] == [1, 1, 1, 0])
        #expect(outputs["OR"] == [0, 1, 1, 1])
        #expect(outputs["XOR"] == [0, 1, 1, 0])
        #expect(LogicGatesDemo.report(tables).count == 4 * 5)
    }

    @Test func gradientDescentDemoEndsAtTheMinimum() {
        let path = GradientDescentDemo.run()
        let end = path.last!
        #expect(path.count == 101)
        #expect((end[0] * end[0] + end[1] * end[1]).squareRoot() <= 1e-6)
        let last = GradientDescentDemo.report(path).last!
        #expect(last.hasPrefix("final point") && last.contains("\(end[0])") && last.contains("\(end[1])"))
    }

    @Test func everyOptimizerPathEndsCloserToTheMinimum() throws {
        let paths = try OptimizerPathsDemo.run()
        #expect(paths.map(\.optimizer) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
        let startDistance = (OptimizerPathsDemo.start * OptimizerPathsDemo.start).sum().squareRoot()
        for path in paths {
            let end = path.points.last!
            #expect(path.points.count == 31)
            #expect((end * end).sum().squareRoot() < startDistance / 5, "\(path.optimizer) ends at \(end)")
            #expect(OptimizerPathsDemo.function(end) < OptimizerPathsDemo.function(OptimizerPathsDemo.start) / 50)
        }
        // The book's picture: SGD at lr 0.95 zig-zags across the steep y axis.
        let sgd = paths[0].points
        #expect((1..<sgd.count).allSatisfy { sgd[$0].y * sgd[$0 - 1].y < 0 })
        #expect(OptimizerPathsDemo.report(paths).count == 6 * 7)
    }

    @Test func toySigmoidNetLossFallsMonotonicallyAndPredictionsApproachTargets() throws {
        let r = try ToySigmoidNetDemo.run(iterations: 1500)
        #expect(r.losses.count == 1500)
        for i in 1..<r.losses.count {
            #expect(r.losses[i] <= r.losses[i - 1], "loss rose at iteration \(i): \(r.losses[i - 1]) → \(r.losses[i])")
            if r.losses[i] > r.losses[i - 1] { break }
        }
        #expect(r.finalLoss < 0.01 && r.finalLoss < r.losses[0] / 100)
        for (p, t) in zip(r.predictions, ToySigmoidNetDemo.targets) {
            #expect(abs(p - t) < 0.1, "prediction \(p) for target \(t)")
        }
    }

    @Test func regressionNetworksFitTheCurveFarBetterThanALine() throws {
        let fits = try RegressionDemo.run(iterations: 1000)
        let line = fits.last!
        #expect(line.model.hasPrefix("linear"))
        #expect(fits.count == 5)
        for fit in fits.dropLast() {
            #expect(fit.meanSquaredError < line.meanSquaredError / 20, "\(fit.model): \(fit.meanSquaredError) vs line \(line.meanSquaredError)")
            #expect(fit.meanAbsoluteError < line.meanAbsoluteError / 5, "\(fit.model): \(fit.meanAbsoluteError)")
        }
        // The line is the least-squares optimum: tilting it costs.
        let s = RegressionDemo.samples
        let tilted = zip(line.predictions, s).map { $0 + 0.01 * $1.x }
        let tiltedError = zip(tilted, s).reduce(0.0) { $0 + ($1.0 - $1.1.y) * ($1.0 - $1.1.y) } / Double(s.count)
        #expect(tiltedError > line.meanSquaredError)
    }

    static let data: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

    /// 150 iterations instead of the book's 2000: the ordering the book
    /// shows (SGD slowest) is already clear.
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func optimizerCompareShowsSGDSlowest() throws {
        let (train, test) = Self.data!
        let curves = try OptimizerCompareDemo.run(train: train, test: test.subset(0..<2000),
                                                  kinds: [.sgd, .momentum, .adagrad, .adam],
                                                  iterations: 150, reportEvery: 50)
        #expect(curves.map(\.label) == ["sgd", "momentum", "adagrad", "adam"])
        for c in curves {
            #expect(c.losses.count == 3)
            #expect(c.losses.last! < c.losses.first!, "\(c.label): \(c.losses)")
            #expect(c.testAccuracy > 0.5, "\(c.label): \(c.testAccuracy)")
        }
        let sgdLast = curves[0].losses.last!
        for c in curves.dropFirst() { #expect(c.losses.last! < sgdLast, "\(c.label) \(c.losses.last!) vs sgd \(sgdLast)") }
        #expect(RandomBatchTraining.report(curves, reportEvery: 50, iterations: 150).count == 4)
    }

    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed"))
    func weightInitWithTinyStdDoesNotLearnAndHeLearnsFastest() throws {
        let (train, test) = Self.data!
        let curves = try WeightInitDemo.run(train: train, test: test.subset(0..<2000), iterations: 150, reportEvery: 50)
        let byLabel = Dictionary(uniqueKeysWithValues: curves.map { ($0.label, $0) })
        let tiny = try #require(byLabel["std=0.01"]), xavier = try #require(byLabel["xavier"]), he = try #require(byLabel["he"])
        // ln 10 = 2.3026: the loss of uniform guesses; vanished gradients keep it there.
        #expect(tiny.losses.allSatisfy { $0 > 2.29 }, "\(tiny.losses)")
        #expect(he.losses.last! < 1.2 && he.losses.last! < xavier.losses.last!, "he \(he.losses), xavier \(xavier.losses)")
        #expect(xavier.losses.last! < tiny.losses.last!)
    }

    /// 150 epochs instead of 201, tested on 2000 images: the memorising
    /// network already shows its gap, and weight decay a smaller one.
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed"))
    func weightDecayNarrowsTheTrainTestGap() throws {
        let (train, test) = Self.data!
        let runs = try OverfitDemo.run(train: train, test: test.subset(0..<2000), epochs: 150, evaluateEvery: 50)
        #expect(runs.map(\.regularization) == [.none, .weightDecay(0.1)])
        let (plain, decayed) = (runs[0], runs[1])
        #expect(plain.checkpoints.last!.trainAccuracy > 0.9, "\(plain.checkpoints.last!)")
        #expect(plain.gap > 0.1, "gap without decay \(plain.gap)")
        #expect(decayed.gap < plain.gap - 0.02, "gap with decay \(decayed.gap) vs \(plain.gap)")
    }
}
