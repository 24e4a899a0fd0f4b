import ScratchNetCore

/// The `toy-sigmoid-net` demo: a 3-4-1 network with sigmoid units learns a
/// four-sample table by full-batch gradient descent on 0.5·Σ(y − t)².
///
/// The table is the classic one of small backprop tutorials (e.g.
/// A. Trask's "neural network in 11 lines"): inputs (x1, x2, 1) — the third
/// column is a constant, a bias the first layer could do without — and
/// target x1 XOR x2, which no single layer can fit:
///
///     0 0 1 → 0,   0 1 1 → 1,   1 0 1 → 1,   1 1 1 → 0
///
/// Weights start N(0, 1) from the seed; SGD with the given learning rate.
public enum ToySigmoidNetDemo {
    public static let inputs: [Float] = [0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1]
    public static let targets: [Float] = [0, 1, 1, 0]

    public struct Result: Sendable {
        /// The loss before each update: losses[0] is the initial loss.
        public var losses: [Float]
        /// The loss after the last update.
        public var finalLoss: Float
        public var predictions: [Float]
    }

    public static func run(iterations: Int = 1500, learningRate: Float = 2, hidden: Int = 4, seed: UInt64 = 1) throws -> Result {
        let net = try SmallRegressionNet(sizes: [3, hidden, 1], hidden: .sigmoid, output: .sigmoid,
                                         initializer: .gaussian(std: 1), samples: 4,
                                         loss: MeanSquaredError(reduction: .sum),
                                         optimizer: SGD(learningRate: learningRate), seed: seed)
        net.input.copy(from: inputs)
        net.target.copy(from: targets)
        var losses: [Float] = []
        losses.reserveCapacity(iterations)
        for _ in 0..<iterations { losses.append(net.trainStep()) }
        return Result(losses: losses, finalLoss: net.currentLoss(), predictions: net.predict().toArray())
    }

    public static func report(_ r: Result) -> [String] {
        var lines: [String] = []
        let every = max(1, r.losses.count / 10)
        for (i, loss) in r.losses.enumerated() where i % every == 0 {
            lines.append("iteration \(i): loss \(loss)")
        }
        lines.append("final loss after \(r.losses.count) iterations: \(r.finalLoss)")
        for s in 0..<4 {
            let x = inputs[3 * s..<3 * s + 3].map { "\(Int($0))" }.joined(separator: " ")
            lines.append("input \(x) → \(r.predictions[s])  (target \(Int(targets[s])))")
        }
        return lines
    }
}
