#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The activation functions of chapter 3 as plain functions on `Double`
/// and `[Double]`, for demos, plots and checking layers by hand.
///
/// Networks use the layer versions (``Sigmoid``, ``ReLU``), which run on
/// arena tensors; these allocate their results and favour clarity.
public enum Activations {
    /// 1 where x > 0, else 0 (the perceptron's step; not differentiable).
    public static func step(_ x: Double) -> Double { x > 0 ? 1 : 0 }

    /// 1 / (1 + e^−x), written so that large negative x does not overflow e^−x.
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// σ'(x) = σ(x)·(1 − σ(x)).
    public static func sigmoidDerivative(_ x: Double) -> Double {
        let s = sigmoid(x)
        return s * (1 - s)
    }

    /// A piecewise-linear sigmoid: clamp(x/6 + 1/2, 0, 1), PyTorch's and
    /// MobileNetV3's `hardsigmoid` (Keras uses slope 0.2 instead of 1/6).
    /// Cheap (no exp) and equal to 1/2 at 0 like the sigmoid.
    public static func hardSigmoid(_ x: Double) -> Double { min(max(x / 6 + 0.5, 0), 1) }

    /// max(0, x).
    public static func relu(_ x: Double) -> Double { max(0, x) }

    /// 1 where x > 0, else 0. The book's `relu_grad` uses x >= 0; the ReLU
    /// layer (there and here) passes no gradient at 0, and so does this.
    public static func reluDerivative(_ x: Double) -> Double { x > 0 ? 1 : 0 }

    /// The hyperbolic tangent, (e^x − e^−x) / (e^x + e^−x).
    public static func tanh(_ x: Double) -> Double { libmTanh(x) }

    /// x unchanged: the output activation of a regression network.
    public static func identity(_ x: Double) -> Double { x }

    /// softmax(x)ᵢ = e^(xᵢ − max) / Σⱼ e^(xⱼ − max). Subtracting the maximum
    /// changes nothing mathematically and keeps every exponent ≤ 0, so large
    /// scores never overflow (the book's stable `softmax`).
    public static func softmax(_ x: [Double]) -> [Double] {
        guard let top = x.max() else { return [] }
        let e = x.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// Any scalar activation applied to every element.
    public static func apply(_ f: (Double) -> Double, to x: [Double]) -> [Double] { x.map(f) }
}

/// The C library's tanh, reached from outside `Activations` whose own
/// `tanh` would shadow it.
private func libmTanh(_ x: Double) -> Double { tanh(x) }
