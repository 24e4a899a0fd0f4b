#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The activations and their backward passes on Swift SIMD, with the load,
/// store and tail handling of ``SIMDElementwise``.
extension SIMDElementwise {
    /// Sigmoid has no SIMD exp in the standard library; glibc's expf is
    /// vectorized by nothing here, so this stays a scalar loop.
    static func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
    }

    static func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let one = Vector(repeating: 1)
        while i + width <= count {
            let s = load(y + i)
            store(load(dy + i) * (one - s) * s, dx + i)
            i += width
        }
        while i < count { dx[i] = dy[i] * (1 - y[i]) * y[i]; i += 1 }
    }

    /// No SIMD tanh in the standard library: glibc's tanhf per element.
    static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanhf(x[i]) }
    }

    static func tanhBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let one = Vector(repeating: 1)
        while i + width <= count {
            let t = load(y + i)
            store(load(dy + i) * (one - t * t), dx + i)
            i += width
        }
        while i < count { dx[i] = dy[i] * (1 - y[i] * y[i]); i += 1 }
    }
}
