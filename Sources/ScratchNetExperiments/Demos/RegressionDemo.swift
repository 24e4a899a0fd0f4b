import ScratchNetCore

/// The `regression` demo: fit a 1-D piecewise-linear curve with a sum of
/// sigmoid or ReLU units (a 1-H-1 network with an identity output), under
/// squared error (MSE) and absolute error (MAE), and compare with the best
/// straight line.
///
/// The curve joins (−3, 1), (−1, −1), (1, 1.5) and (3, 0), sampled at 64
/// evenly spaced x in [−3, 3]. A ReLU network is itself piecewise linear
/// and can match it almost exactly; sigmoids approximate the corners
/// smoothly; the straight line (least squares, in closed form: no linear
/// model does better under MSE) cannot follow the zig-zag. Networks train
/// full-batch with Adam (lr 0.01) on the batch-mean loss.
public enum RegressionDemo {
    public static let knots: [(x: Double, y: Double)] = [(-3, 1), (-1, -1), (1, 1.5), (3, 0)]
    public static let sampleCount = 64

    /// The target curve, linear between the knots.
    public static func curve(_ x: Double) -> Double {
        for i in 1..<knots.count where x <= knots[i].x || i == knots.count - 1 {
            let (a, b) = (knots[i - 1], knots[i])
            return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
        }
        return knots.last!.y
    }

    public static var samples: [(x: Double, y: Double)] {
        (0..<sampleCount).map { i in
            let x = -3 + 6 * Double(i) / Double(sampleCount - 1)
            return (x, curve(x))
        }
    }

    public struct Fit: Sendable {
        /// "relu-16 / mse", "linear (least squares)".
        public var model: String
        /// mean (y − t)² over the samples.
        public var meanSquaredError: Double
        /// mean |y − t| over the samples.
        public var meanAbsoluteError: Double
        public var predictions: [Double]
    }

    static func errors(_ predictions: [Double]) -> (Double, Double) {
        let s = samples
        var sq = 0.0, ab = 0.0
        for (p, t) in zip(predictions, s.map(\.y)) { sq += (p - t) * (p - t); ab += abs(p - t) }
        return (sq / Double(s.count), ab / Double(s.count))
    }

    /// The least-squares line through the samples.
    public static func linearFit() -> Fit {
        let s = samples
        let n = Double(s.count)
        let mx = s.reduce(0) { $0 + $1.x } / n, my = s.reduce(0) { $0 + $1.y } / n
        let sxy = s.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) }, sxx = s.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
        let slope = sxy / sxx
        let predictions = s.map { my + slope * ($0.x - mx) }
        let (mse, mae) = errors(predictions)
        return Fit(model: "linear (least squares)", meanSquaredError: mse, meanAbsoluteError: mae, predictions: predictions)
    }

    /// Trains one 1-H-1 network and returns its fit.
    public static func networkFit(hidden activation: String, units: Int = 16, loss lossName: String,
                                  iterations: Int = 3000, seed: UInt64 = 1) throws -> Fit {
        let relu = activation == "relu"
        precondition(relu || activation == "sigmoid", "RegressionDemo: activation must be relu or sigmoid")
        precondition(lossName == "mse" || lossName == "mae", "RegressionDemo: loss must be mse or mae")
        let loss: any RegressionLoss = lossName == "mse" ? MeanSquaredError(reduction: .batchMean)
                                                         : MeanAbsoluteError(reduction: .batchMean)
        let net = try SmallRegressionNet(sizes: [1, units, 1], hidden: relu ? .relu : .sigmoid, output: .identity,
                                         initializer: relu ? .he : .xavier, samples: sampleCount, loss: loss,
                                         optimizer: Adam(learningRate: 0.01), seed: seed)
        let s = samples
        net.input.copy(from: s.map { Float($0.x) })
        net.target.copy(from: s.map { Float($0.y) })
        for _ in 0..<iterations { net.trainStep() }
        let predictions = net.predict().toArray().map(Double.init)
        let (mse, mae) = errors(predictions)
        return Fit(model: "\(activation)-\(units) / \(lossName)", meanSquaredError: mse, meanAbsoluteError: mae,
                   predictions: predictions)
    }

    /// The four networks (sigmoid, ReLU × MSE, MAE), then the line.
    public static func run(iterations: Int = 3000, seed: UInt64 = 1) throws -> [Fit] {
        var fits: [Fit] = []
        for activation in ["sigmoid", "relu"] {
            for loss in ["mse", "mae"] {
                fits.append(try networkFit(hidden: activation, loss: loss, iterations: iterations, seed: seed))
            }
        }
        fits.append(linearFit())
        return fits
    }

    public static func report(_ fits: [Fit]) -> [String] {
        fits.map { "\($0.model): mean squared error \($0.meanSquaredError), mean absolute error \($0.meanAbsoluteError)" }
    }
}
