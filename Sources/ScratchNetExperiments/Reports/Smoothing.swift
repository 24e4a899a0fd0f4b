#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// Loss-curve smoothing as the book's `common/util.py smooth_curve` does it.
public enum Smoothing {
    /// Kaiser window of `length` points with shape β (NumPy's `np.kaiser`).
    public static func kaiserWindow(length: Int, beta: Double) -> [Double] {
        precondition(length >= 1, "Smoothing.kaiserWindow: length must be >= 1")
        if length == 1 { return [1] }
        let denominator = besselI0(beta)
        return (0..<length).map { n in
            let r = 2 * Double(n) / Double(length - 1) - 1
            return besselI0(beta * (1 - r * r).squareRoot()) / denominator
        }
    }

    /// Modified Bessel function of the first kind, order 0 (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let q = x * x / 4
        while term > 1e-17 * sum {
            term *= q / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    /// The book's smoothing: an 11-point Kaiser window (β = 2), normalized,
    /// convolved with the series mirrored at both ends, so the output has
    /// the input's length. Series shorter than the window come back as is.
    public static func kaiserSmoothed(_ x: [Double], window length: Int = 11, beta: Double = 2) -> [Double] {
        guard x.count >= length, length >= 3 else { return x }
        let w = kaiserWindow(length: length, beta: beta)
        let total = w.reduce(0, +)
        let weights = w.map { $0 / total }
        // np.r_[x[L-1:0:-1], x, x[-1:-L:-1]]
        let head = (1..<length).reversed().map { x[$0] }
        let tail = (1..<length).map { x[x.count - $0] }
        let s = head + x + tail
        // np.convolve(weights, s, 'valid') (the window is symmetric), then [half : -half].
        let valid = s.count - length + 1
        let half = length / 2
        var out: [Double] = []
        out.reserveCapacity(x.count)
        for i in half..<(valid - half) {
            var acc = 0.0
            for k in 0..<length { acc += weights[k] * s[i + k] }
            out.append(acc)
        }
        return out
    }
}
