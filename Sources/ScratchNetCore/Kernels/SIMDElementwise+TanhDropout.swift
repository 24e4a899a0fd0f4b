#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tanh and dropout's mask multiply, in the style of ``SIMDElementwise``.
extension SIMDElementwise {
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

    static func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
                         into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + width <= count {
            store(load(x + i) * load(m + i), y + i)
            i += width
        }
        while i < count { y[i] = x[i] * m[i]; i += 1 }
    }
}
