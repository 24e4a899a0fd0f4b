import ScratchNet

/// Checks one layer's backward against central differences, in isolation.
///
/// The scalar checked is L = Σ forward(x) ⊙ R for a fixed random R, so
/// dL/dy = R and the layer's backward(R) must equal dL/dx numerically; the
/// parameter gradients it writes must equal dL/dθ. Done in Float32 with a
/// double-accumulated L; see `Tolerance` for the bounds used.
public struct LayerGradientCheck {
    public struct Report: CustomStringConvertible {
        /// Worst relative error over the input gradient entries checked.
        public var input: Float
        /// Worst relative error per parameter name.
        public var parameters: [String: Float]
        public var worst: Float { max(input, parameters.values.max() ?? 0) }
        public var description: String { "input \(input), parameters \(parameters)" }
    }

    /// - Parameters:
    ///   - layer: an unbound layer; it is bound here to a fresh arena.
    ///   - batch: samples in the checked batch.
    ///   - training: the mode forward runs in (Dropout masks stay fixed only
    ///     if the layer draws them once per forward with a fixed seed; pass
    ///     `reseed` to reset such state before every forward).
    ///   - inputRange: inputs are uniform in this range (keep ReLU/MaxPool
    ///     away from ties and kinks by choosing it well).
    ///   - step: central-difference h.
    ///   - kinkGap: inputs closer than this to 0 are pushed out to ±kinkGap,
    ///     so a step of h never crosses ReLU's kink (use > step).
    public static func check(_ layer: any Layer, batch: Int, seed: UInt64 = 1, training: Bool = true,
                             inputRange: ClosedRange<Float> = -1...1, step: Float = 1e-2,
                             floor: Float = 1e-3, maxEntries: Int = 200, kinkGap: Float = 0,
                             beforeForward: () -> Void = {}) throws -> Report {
        let measuring = Arena.measuring()
        try layer.bind(to: measuring, maxBatch: batch)
        let arena = try Arena(capacity: measuring.used + 4 * batch * (layer.inputShape.count + layer.outputShape.count) * 4 + 4096,
                              gradientCapacity: measuring.gradientUsed)
        try layer.bind(to: arena, maxBatch: batch)
        var rng = SeededGenerator(seed: seed)
        layer.initializeParameters(using: &rng)
        // Parameters get a non-trivial value (biases, BN gamma/beta start at 0/1).
        for p in layer.parameters {
            for i in 0..<p.value.count { p.value.pointer[i] += Float(rng.nextUniform() * 0.2 - 0.1) }
        }
        let x = try arena.allocate(layer.inputShape.prepending(batch), name: "check input")
        let r = try arena.allocate(layer.outputShape.prepending(batch), name: "check weights R")
        let width = inputRange.upperBound - inputRange.lowerBound
        for i in 0..<x.count {
            var v = inputRange.lowerBound + Float(rng.nextUniform()) * width
            if abs(v) < kinkGap { v = v < 0 ? -kinkGap : kinkGap }
            x.pointer[i] = v
        }
        for i in 0..<r.count { r.pointer[i] = Float(rng.nextUniform() * 2 - 1) }

        func loss() -> Double {
            beforeForward()
            let y = layer.forward(x, training: training)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y.pointer[i]) * Double(r.pointer[i]) }
            return sum
        }

        beforeForward()
        _ = layer.forward(x, training: training)
        let analyticInput = layer.backward(r).toArray()
        let analyticParams = layer.parameters.map { ($0.name, $0.gradient.toArray()) }

        func worst(of tensor: Tensor, analytic: [Float]) -> Float {
            var result: Float = 0
            let stride = max(1, tensor.count / maxEntries)
            var i = 0
            while i < tensor.count {
                let original = tensor.pointer[i]
                tensor.pointer[i] = original + step
                let plus = loss()
                tensor.pointer[i] = original - step
                let minus = loss()
                tensor.pointer[i] = original
                let numeric = Float((plus - minus) / (2 * Double(step)))
                let diff = abs(numeric - analytic[i])
                result = max(result, diff / max(abs(numeric), abs(analytic[i]), floor))
                i += stride
            }
            return result
        }

        let inputError = layer.computesInputGradient ? worst(of: x, analytic: analyticInput) : 0
        var params: [String: Float] = [:]
        for (p, (name, analytic)) in zip(layer.parameters, analyticParams) {
            params[name] = worst(of: p.value, analytic: analytic)
        }
        return Report(input: inputError, parameters: params)
    }
}

/// Tolerances used across the tests, with the reason for each.
public enum Tolerance {
    /// Float32 central differences with h = 1e-2 on smooth functions agree
    /// with backprop to ~1e-3 relative; 2e-2 leaves room for curvature.
    public static let gradient: Float = 2e-2
    /// C vs naive kernels differ only by summation order: relative error of
    /// a K-term float sum is ~K·ε (ε = 6e-8); 1e-4 covers K up to ~1000.
    public static func kernel(k: Int) -> Float { max(1e-5, Float(k) * 2e-7) }
}

/// Fills `buffer` with uniform values in [lo, hi) from a seeded generator.
public func fillUniform(_ buffer: UnsafeMutablePointer<Float>, count: Int, seed: UInt64,
                        in range: ClosedRange<Float> = -1...1) {
    var rng = SeededGenerator(seed: seed)
    let width = range.upperBound - range.lowerBound
    for i in 0..<count { buffer[i] = range.lowerBound + Float(rng.nextUniform()) * width }
}

/// The largest |a − b| / max(|a|, |b|, floor) over two equal-length buffers.
public func maxRelativeDifference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                                  floor: Float = 1e-3) -> Float {
    var worst: Float = 0
    for i in 0..<count {
        if a[i].isNaN != b[i].isNaN { return .infinity }
        worst = max(worst, abs(a[i] - b[i]) / max(abs(a[i]), abs(b[i]), floor))
    }
    return worst
}
