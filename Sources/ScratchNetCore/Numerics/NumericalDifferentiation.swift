/// Numerical differentiation and plain gradient descent, as in chapter 4.
///
/// These work in `Double`: a central difference subtracts two nearly equal
/// values, and with h = 1e-4 Float32 keeps only ~3 significant digits of the
/// result, Double ~8. They are teaching and checking tools (each gradient
/// costs two evaluations of f per element), not part of training.

/// The derivative of `f` at `x` by the central difference
/// (f(x + h) − f(x − h)) / 2h, whose error is O(h²) where the one-sided
/// difference's is O(h).
public func numericalDiff(_ f: (Double) -> Double, at x: Double, h: Double = 1e-4) -> Double {
    (f(x + h) - f(x - h)) / (2 * h)
}

/// The gradient of `f` at `x`, one central difference per element (the
/// book's `numerical_gradient`).
/// - Complexity: 2·x.count evaluations of f.
public func numericalGradient(_ f: ([Double]) -> Double, at x: [Double], h: Double = 1e-4) -> [Double] {
    var point = x
    var gradient = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let original = point[i]
        point[i] = original + h
        let plus = f(point)
        point[i] = original - h
        let minus = f(point)
        point[i] = original
        gradient[i] = (plus - minus) / (2 * h)
    }
    return gradient
}

/// The gradient of a scalar `f` with respect to every element of `tensor`,
/// written into `gradient` (same count): each element is nudged by ±h in
/// place, `f` re-evaluated, and the element restored exactly.
///
/// Why a separate form: layers and losses read their inputs from arena
/// tensors, so their numerical gradients must perturb those tensors. The
/// tensor holds Float32, so h must be large enough to survive rounding
/// (1e-2 for values of order 1); `f` should accumulate in Double.
public func numericalGradient(of f: () -> Double, at tensor: Tensor, into gradient: Tensor, h: Float = 1e-2) {
    precondition(gradient.count == tensor.count, "numericalGradient: gradient has \(gradient.count) entries for \(tensor.count)")
    for i in 0..<tensor.count {
        let original = tensor.pointer[i]
        tensor.pointer[i] = original + h
        let plus = f()
        tensor.pointer[i] = original - h
        let minus = f()
        tensor.pointer[i] = original
        // The step actually taken, after Float rounding of original ± h.
        let taken = Double(original + h) - Double(original - h)
        gradient.pointer[i] = Float((plus - minus) / taken)
    }
}

/// Gradient descent with numerical gradients: x ← x − lr·∇f(x), `steps`
/// times from `initial` (the book's `gradient_descent`, whose defaults are
/// lr 0.01 and 100 steps).
/// - Returns: every point visited, `initial` first and the final point last
///   (steps + 1 points).
public func gradientDescentPath(_ f: ([Double]) -> Double, from initial: [Double],
                                learningRate: Double = 0.01, steps: Int = 100) -> [[Double]] {
    precondition(steps >= 0, "gradientDescent: steps must be >= 0")
    var x = initial
    var path = [x]
    for _ in 0..<steps {
        let g = numericalGradient(f, at: x)
        for i in x.indices { x[i] -= learningRate * g[i] }
        path.append(x)
    }
    return path
}

/// The final point of ``gradientDescentPath(_:from:learningRate:steps:)``.
public func gradientDescent(_ f: ([Double]) -> Double, from initial: [Double],
                            learningRate: Double = 0.01, steps: Int = 100) -> [Double] {
    gradientDescentPath(f, from: initial, learningRate: learningRate, steps: steps).last!
}
