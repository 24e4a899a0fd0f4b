/// Batch normalization on Swift `SIMD16<Float>`, for x viewed as (N, C, S).
///
/// Two access patterns, one per input kind:
///  - dense inputs (S = 1): a channel's values are C floats apart, so 16
///    neighbouring channels are processed together, one vector per row;
///  - images (S = H·W): a channel's values in one image are S contiguous
///    floats, so each channel is reduced 16 pixels at a time.
/// Channels left over by the first pattern (C not a multiple of 16) take the
/// second, which also handles S = 1 with its scalar tail.
enum SIMDBatchNorm {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Channels handled 16 at a time (dense inputs only).
    @inline(__always) static func vectorChannels(channels: Int, spatial: Int) -> Int {
        spatial == 1 ? channels / width * width : 0
    }

    /// Σ p[0..<count], 16 lanes then a scalar tail.
    @inline(__always) static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc = Vector.zero
        var i = 0
        while i + width <= count { acc += load(p + i); i += width }
        var s = acc.sum()
        while i < count { s += p[i]; i += 1 }
        return s
    }

    static func trainingForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                eps: Float, momentum: Float,
                                runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                xhat: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                into y: UnsafeMutablePointer<Float>) {
        let count = Float(batch * spatial)
        let m = Vector(repeating: momentum), keep = Vector(repeating: 1 - momentum)
        let vc = vectorChannels(channels: channels, spatial: spatial)
        var c0 = 0
        while c0 < vc {
            var acc = Vector.zero
            for n in 0..<batch { acc += load(x + n * channels + c0) }
            let mean = acc / count
            var sq = Vector.zero
            for n in 0..<batch { let d = load(x + n * channels + c0) - mean; sq = sq.addingProduct(d, d) }
            let variance = sq / count
            let inv = 1 / (variance + eps).squareRoot()
            store(inv, invStd + c0)
            let g = load(gamma + c0), b = load(beta + c0)
            for n in 0..<batch {
                let i = n * channels + c0
                let h = (load(x + i) - mean) * inv
                store(h, xhat + i)
                store(b.addingProduct(g, h), y + i)
            }
            store(m * load(runningMean + c0) + keep * mean, runningMean + c0)
            store(m * load(runningVariance + c0) + keep * variance, runningVariance + c0)
            c0 += width
        }
        for c in vc..<channels {
            var total: Float = 0
            for n in 0..<batch { total += sum(x + (n * channels + c) * spatial, count: spatial) }
            let mean = total / count
            let meanV = Vector(repeating: mean)
            var squares: Float = 0
            for n in 0..<batch {
                let p = x + (n * channels + c) * spatial
                var acc = Vector.zero
                var s = 0
                while s + width <= spatial { let d = load(p + s) - meanV; acc = acc.addingProduct(d, d); s += width }
                squares += acc.sum()
                while s < spatial { let d = p[s] - mean; squares += d * d; s += 1 }
            }
            let variance = squares / count
            let inv = 1 / (variance + eps).squareRoot()
            invStd[c] = inv
            let invV = Vector(repeating: inv), g = Vector(repeating: gamma[c]), b = Vector(repeating: beta[c])
            for n in 0..<batch {
                let base = (n * channels + c) * spatial
                var s = 0
                while s + width <= spatial {
                    let h = (load(x + base + s) - meanV) * invV
                    store(h, xhat + base + s)
                    store(b.addingProduct(g, h), y + base + s)
                    s += width
                }
                while s < spatial {
                    let h = (x[base + s] - mean) * inv
                    xhat[base + s] = h
                    y[base + s] = beta[c] + gamma[c] * h
                    s += 1
                }
            }
            runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean
            runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * variance
        }
    }

    static func inferenceForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                 runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                 into y: UnsafeMutablePointer<Float>) {
        let vc = vectorChannels(channels: channels, spatial: spatial)
        var c0 = 0
        while c0 < vc {
            let scale = load(gamma + c0) / (load(runningVariance + c0) + eps).squareRoot()
            let shift = load(beta + c0) - scale * load(runningMean + c0)
            for n in 0..<batch {
                let i = n * channels + c0
                store(shift.addingProduct(scale, load(x + i)), y + i)
            }
            c0 += width
        }
        for c in vc..<channels {
            let scale = gamma[c] / (runningVariance[c] + eps).squareRoot()
            let shift = beta[c] - scale * runningMean[c]
            let scaleV = Vector(repeating: scale), shiftV = Vector(repeating: shift)
            for n in 0..<batch {
                let base = (n * channels + c) * spatial
                var s = 0
                while s + width <= spatial { store(shiftV.addingProduct(scaleV, load(x + base + s)), y + base + s); s += width }
                while s < spatial { y[base + s] = shift + scale * x[base + s]; s += 1 }
            }
        }
    }

    static func backward(_ dy: UnsafePointer<Float>, xhat: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                         gamma: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                         dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                         into dx: UnsafeMutablePointer<Float>?) {
        let count = Float(batch * spatial)
        let vc = vectorChannels(channels: channels, spatial: spatial)
        var c0 = 0
        while c0 < vc {
            var sumDy = Vector.zero, sumDyXhat = Vector.zero
            for n in 0..<batch {
                let i = n * channels + c0
                let g = load(dy + i)
                sumDy += g
                sumDyXhat = sumDyXhat.addingProduct(g, load(xhat + i))
            }
            store(sumDy, dbeta + c0)
            store(sumDyXhat, dgamma + c0)
            if let dx {
                let meanDy = sumDy / count, meanDyXhat = sumDyXhat / count
                let k = load(gamma + c0) * load(invStd + c0)
                for n in 0..<batch {
                    let i = n * channels + c0
                    store(k * (load(dy + i) - meanDy - load(xhat + i) * meanDyXhat), dx + i)
                }
            }
            c0 += width
        }
        for c in vc..<channels {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for n in 0..<batch {
                let base = (n * channels + c) * spatial
                var a = Vector.zero, b = Vector.zero
                var s = 0
                while s + width <= spatial {
                    let g = load(dy + base + s)
                    a += g
                    b = b.addingProduct(g, load(xhat + base + s))
                    s += width
                }
                sumDy += a.sum()
                sumDyXhat += b.sum()
                while s < spatial { sumDy += dy[base + s]; sumDyXhat += dy[base + s] * xhat[base + s]; s += 1 }
            }
            dbeta[c] = sumDy
            dgamma[c] = sumDyXhat
            guard let dx else { continue }
            let meanDy = sumDy / count, meanDyXhat = sumDyXhat / count
            let k = gamma[c] * invStd[c]
            let kV = Vector(repeating: k), mDy = Vector(repeating: meanDy), mDx = Vector(repeating: meanDyXhat)
            for n in 0..<batch {
                let base = (n * channels + c) * spatial
                var s = 0
                while s + width <= spatial {
                    store(kV * (load(dy + base + s) - mDy - load(xhat + base + s) * mDx), dx + base + s)
                    s += width
                }
                while s < spatial { dx[base + s] = k * (dy[base + s] - meanDy - xhat[base + s] * meanDyXhat); s += 1 }
            }
        }
    }
}
