import ScratchNetCore

/// The `gradient-descent` demo (ch. 4, `gradient_method.py`): minimise
/// f(x0, x1) = x0² + x1² from (−3, 4) with numerical gradients.
///
/// The book runs 20 steps at lr 0.1 and ends near (−0.035, 0.046); the
/// demo defaults to 100, where each step multiplies the point by 0.8 and
/// the end is within 1e-9 of the minimum (0, 0).
public enum GradientDescentDemo {
    public static func function(_ x: [Double]) -> Double { x[0] * x[0] + x[1] * x[1] }

    /// Every point visited, the start first and the final point last.
    public static func run(from start: [Double] = [-3, 4], learningRate: Double = 0.1, steps: Int = 100) -> [[Double]] {
        gradientDescentPath(function, from: start, learningRate: learningRate, steps: steps)
    }

    /// One line per tenth of the path; the last line is the final point.
    public static func report(_ path: [[Double]]) -> [String] {
        let every = max(1, (path.count - 1) / 10)
        var lines: [String] = []
        for (step, point) in path.enumerated() where step % every == 0 && step < path.count - 1 {
            lines.append("step \(step): (\(point[0]), \(point[1]))  f = \(function(point))")
        }
        let end = path.last!
        lines.append("final point after \(path.count - 1) steps: (\(end[0]), \(end[1]))")
        return lines
    }
}
