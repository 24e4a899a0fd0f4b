#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise loops on Swift `SIMD16<Float>`: the small, memory-bound ops
/// (bias add, column sums, axpy, mask multiply) that do not need C or
/// threads; the activations are in SIMDActivations.swift.
///
/// Each loop runs 16 lanes at a time over unaligned loads and finishes the
/// tail with scalars. Updates are written as multiply then add, not
/// `addingProduct`: the package is built for baseline x86-64 (one binary for
/// every CPU), where a fused multiply-add has no instruction and becomes a
/// libm `fmaf` call per lane — measured with callgrind at ~10× the
/// instructions of the plain form.
enum SIMDElementwise {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    static func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var c = 0
            while c + width <= cols {
                store(load(row + c) + load(bias + c), row + c)
                c += width
            }
            while c < cols { row[c] += bias[c]; c += 1 }
        }
    }

    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = x + r * cols
            var c = 0
            while c + width <= cols {
                store(load(sums + c) + load(row + c), sums + c)
                c += width
            }
            while c < cols { sums[c] += row[c]; c += 1 }
        }
    }

    static func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let a = Vector(repeating: alpha)
        while i + width <= count {
            store(load(y + i) + a * load(x + i), y + i)
            i += width
        }
        while i < count { y[i] += alpha * x[i]; i += 1 }
    }

    /// y = x ⊙ m: dropout's mask applied forward and backward.
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
