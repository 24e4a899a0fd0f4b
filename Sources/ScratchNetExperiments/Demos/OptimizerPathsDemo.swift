import ScratchNetCore

/// The `optimizers` demo (ch. 6, `optimizer_compare_naive.py`): each
/// optimizer minimises f(x, y) = x²/20 + y² from (−7, 2) for 30 steps.
///
/// The valley is 20 times steeper in y than in x, which is what tells the
/// optimizers apart: SGD zig-zags across it, Momentum overshoots and rolls
/// back, AdaGrad and Adam rescale each coordinate. The learning rates are
/// the book's (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3); Nesterov
/// (0.1) and RMSprop (0.3) are added here. The library's own optimizers run
/// on two one-element parameters, x and y, as the book's dict of params.
public enum OptimizerPathsDemo {
    public struct Path: Sendable {
        public var optimizer: String
        public var learningRate: Float
        /// (x, y) after each step, the start first.
        public var points: [SIMD2<Float>]
    }

    public static let start = SIMD2<Float>(-7, 2)

    public static let settings: [(OptimizerKind, Float)] = [
        (.sgd, 0.95), (.momentum, 0.1), (.nesterov, 0.1), (.adagrad, 1.5), (.rmsprop, 0.3), (.adam, 0.3),
    ]

    public static func function(_ p: SIMD2<Float>) -> Float { p.x * p.x / 20 + p.y * p.y }

    public static func run(steps: Int = 30) throws -> [Path] {
        try settings.map { kind, lr in
            // x, y, their gradients and at most two state tensors each, one
            // 64-byte block apiece.
            let arena = try Arena(capacity: 8 * Arena.alignment)
            let params = try ["x", "y"].map { name in
                Parameter(name: name, value: try arena.allocate(Shape(1), name: name),
                          gradient: try arena.allocate(Shape(1), name: "d" + name), decays: false)
            }
            let optimizer = kind.make(learningRate: lr)
            try optimizer.bind(parameters: params, arena: arena, kernels: FastKernels())
            params[0].value[0] = start.x
            params[1].value[0] = start.y
            var points = [start]
            for _ in 0..<steps {
                params[0].gradient[0] = params[0].value[0] / 10
                params[1].gradient[0] = 2 * params[1].value[0]
                optimizer.update(params)
                points.append(SIMD2(params[0].value[0], params[1].value[0]))
            }
            return Path(optimizer: optimizer.name, learningRate: lr, points: points)
        }
    }

    public static func report(_ paths: [Path]) -> [String] {
        paths.flatMap { path -> [String] in
            let end = path.points.last!
            var lines = ["\(path.optimizer) (lr \(path.learningRate)): final (\(end.x), \(end.y)), f = \(function(end))"]
            var i = 0
            while i < path.points.count {
                let chunk = path.points[i..<min(i + 6, path.points.count)]
                lines.append("    " + chunk.map { "(\(threeDecimals($0.x)), \(threeDecimals($0.y)))" }.joined(separator: " "))
                i += 6
            }
            return lines
        }
    }
}
