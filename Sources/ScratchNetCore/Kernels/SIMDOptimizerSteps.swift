/// The Nesterov, AdaGrad and RMSprop updates on Swift `SIMD16<Float>`
/// (``FastKernels``' implementation): memory-bound loops with no threads.
/// Each element is updated with separately rounded operations (multiply,
/// then add, see ``SIMD16/plusProduct(_:_:)``), lanes and tail alike.
enum SIMDOptimizerSteps {
    static func nesterov(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ momentum: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let mu = V(repeating: momentum), minusLR = V(repeating: -lr)
        let muSquared = V(repeating: momentum * momentum), gradScale = V(repeating: -(1 + momentum) * lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let vel = (SIMDElementwise.load(v + i) * mu).plusProduct(minusLR, grad)
            SIMDElementwise.store(vel, v + i)
            let param = SIMDElementwise.load(p + i).plusProduct(muSquared, vel).plusProduct(gradScale, grad)
            SIMDElementwise.store(param, p + i)
            i += width
        }
        let ms = momentum * momentum, gs = -(1 + momentum) * lr
        while i < count {
            let vel = (v[i] * momentum).plusProduct(-lr, g[i])
            v[i] = vel
            p[i] = p[i].plusProduct(ms, vel).plusProduct(gs, g[i])
            i += 1
        }
    }

    static func adaGrad(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ epsilon: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let eps = V(repeating: epsilon), minusLR = V(repeating: -lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let sum = SIMDElementwise.load(h + i).plusProduct(grad, grad)
            SIMDElementwise.store(sum, h + i)
            let param = SIMDElementwise.load(p + i).plusProduct(minusLR, grad / (sum.vectorSquareRoot + eps))
            SIMDElementwise.store(param, p + i)
            i += width
        }
        while i < count {
            let sum = h[i].plusProduct(g[i], g[i])
            h[i] = sum
            p[i] = p[i].plusProduct(-lr, g[i] / (sum.squareRoot() + epsilon))
            i += 1
        }
    }

    static func rmsprop(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                         _ count: Int, _ lr: Float, _ decay: Float, _ epsilon: Float) {
        typealias V = SIMDElementwise.Vector
        let width = SIMDElementwise.width
        let rho = V(repeating: decay), oneMinusRho = V(repeating: 1 - decay)
        let eps = V(repeating: epsilon), minusLR = V(repeating: -lr)
        var i = 0
        while i + width <= count {
            let grad = SIMDElementwise.load(g + i)
            let avg = (SIMDElementwise.load(h + i) * rho).plusProduct(oneMinusRho, grad * grad)
            SIMDElementwise.store(avg, h + i)
            let param = SIMDElementwise.load(p + i).plusProduct(minusLR, grad / (avg.vectorSquareRoot + eps))
            SIMDElementwise.store(param, p + i)
            i += width
        }
        while i < count {
            let avg = (h[i] * decay).plusProduct(1 - decay, g[i] * g[i])
            h[i] = avg
            p[i] = p[i].plusProduct(-lr, g[i] / (avg.squareRoot() + epsilon))
            i += 1
        }
    }
}

/// self + a·b, as a multiply and an add (two roundings), not a fused
/// multiply-add.
///
/// Why not `addingProduct`: it promises one rounding, and unless the build
/// targets a CPU with FMA (`-Xswiftc -target-cpu`, which the package does
/// not set, so binaries stay portable) the compiler keeps that promise with
/// a call to `fmaf` per lane, many times slower than a multiply and an add.
extension SIMD16<Float> {
    @inline(__always) func plusProduct(_ a: Self, _ b: Self) -> Self { self + a * b }
}

extension Float {
    @inline(__always) func plusProduct(_ a: Float, _ b: Float) -> Float { self + a * b }
}
