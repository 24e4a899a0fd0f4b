/// Compares backpropagation with central-difference numerical gradients.
///
/// The book's `gradient_check.py` done per parameter: for every trainable
/// tensor, the largest relative error |analytic − numeric| / max(|analytic|,
/// |numeric|, floor) over its entries. Float32 central differences carry
/// ~1e-3 relative noise, so results around 1e-2 or below mean "agrees".
public enum GradientCheck {
    public struct Result: Sendable {
        public var parameter: String
        public var maxRelativeError: Float
        public var maxAbsoluteError: Float
    }

    /// Checks every parameter of `network` on the batch already in its
    /// buffers (the first `batch` samples), in training mode.
    /// - Parameters:
    ///   - step: the central-difference step h.
    ///   - maxEntries: checks at most this many entries per parameter, spread
    ///     evenly (numerical gradients cost two forwards per entry).
    ///   - floor: denominators below this are raised to it, so entries with
    ///     near-zero gradients are judged by absolute error.
    public static func check(_ network: Network, batch: Int, step: Float = 1e-2,
                             maxEntries: Int = 64, floor: Float = 1e-3) -> [Result] {
        _ = network.loss(batch: batch, training: true)
        network.backward()
        var results: [Result] = []
        for p in network.parameters {
            let analytic = p.gradient.toArray()
            let count = p.value.count
            let stride = max(1, count / maxEntries)
            var worstRel: Float = 0
            var worstAbs: Float = 0
            var i = 0
            while i < count {
                let original = p.value.pointer[i]
                p.value.pointer[i] = original + step
                let plus = Double(network.loss(batch: batch, training: true))
                p.value.pointer[i] = original - step
                let minus = Double(network.loss(batch: batch, training: true))
                p.value.pointer[i] = original
                let numeric = Float((plus - minus) / (2 * Double(step)))
                let diff = abs(numeric - analytic[i])
                worstAbs = max(worstAbs, diff)
                worstRel = max(worstRel, diff / max(abs(numeric), abs(analytic[i]), floor))
                i += stride
            }
            results.append(Result(parameter: p.name, maxRelativeError: worstRel, maxAbsoluteError: worstAbs))
        }
        return results
    }
}
