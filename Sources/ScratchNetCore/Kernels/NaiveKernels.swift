#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain-loop versions of every kernel, written to be checked by hand.
///
/// This is the correctness oracle for ``FastKernels`` and the baseline the
/// benchmarks report speedups against: deliberately no blocking, no SIMD, no
/// threads. Sums are accumulated in `Float`, in the obvious order, so the
/// tolerance between the two backends comes from summation order only.
public struct NaiveKernels: Kernels {
    public init() {}
    public var name: String { "naive" }

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let aip = transA ? a[p * lda + i] : a[i * lda + p]
                    let bpj = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += aip * bpj
                }
                let old = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * sum + old
            }
        }
    }

    public func gemmBytes(transB: Bool, m: Int, n: Int, k: Int, scale: Float,
                          x: UnsafePointer<UInt8>, ldx: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let xip = Float(x[i * ldx + p]) * scale
                    sum += xip * (transB ? b[j * ldb + p] : b[p * ldb + j])
                }
                c[i * ldc + j] = sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }

    public func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            var maxValue = logits[r * cols]
            for c in 0..<cols { maxValue = max(maxValue, logits[r * cols + c]) }
            var sum: Float = 0
            for c in 0..<cols {
                let e = expf(logits[r * cols + c] - maxValue)
                probs[r * cols + c] = e
                sum += e
            }
            for c in 0..<cols { probs[r * cols + c] /= sum }
        }
    }

    /// −log softmax(z)[t] = logsumexp(z) − z[t]; logsumexp = max + log Σ e^(z−max).
    private func logSumExp(_ z: UnsafePointer<Float>, cols: Int) -> Float {
        var maxValue = z[0]
        for c in 0..<cols { maxValue = max(maxValue, z[c]) }
        var sum: Float = 0
        for c in 0..<cols { sum += expf(z[c] - maxValue) }
        return maxValue + logf(sum)
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        softmax(logits, into: probs, rows: rows, cols: cols)
        var total: Double = 0
        for r in 0..<rows {
            let row = logits + r * cols
            total += Double(logSumExp(row, cols: cols) - row[Int(labels[r])])
        }
        return Float(total / Double(rows))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            for c in 0..<cols {
                let target: Float = c == Int(labels[r]) ? 1 : 0
                dlogits[r * cols + c] = (probs[r * cols + c] - target) / Float(rows)
            }
        }
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        softmax(logits, into: probs, rows: rows, cols: cols)
        var total: Double = 0
        for r in 0..<rows {
            let row = logits + r * cols
            let lse = logSumExp(row, cols: cols)
            for c in 0..<cols {
                total += Double(targets[r * cols + c] * (lse - row[c]))
            }
        }
        return Float(total / Double(rows))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<(rows * cols) {
            dlogits[i] = (probs[i] - targets[i]) / Float(rows)
        }
    }

    public func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            for c in 0..<cols { x[r * cols + c] += bias[c] }
        }
    }

    public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        for c in 0..<cols {
            var s: Float = 0
            for r in 0..<rows { s += x[r * cols + c] }
            sums[c] = s
        }
    }

    public func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    public func reluBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }

    public func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
    }

    public func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i]) * y[i] }
    }

    public func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }
}

// MARK: - Convolution, pooling, tanh, dropout, batch normalization

extension NaiveKernels {
    /// The naive convolution reads x directly: no scratch.
    public func convolutionScratchCount(geometry: WindowGeometry, filters: Int) -> Int { 0 }

    public func convolutionForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                   geometry g: WindowGeometry, filters: Int) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        for n in 0..<g.batch {
            for f in 0..<filters {
                for y in 0..<oh {
                    for x0 in 0..<ow {
                        var sum = bias[f]
                        for c in 0..<g.channels {
                            for fh in 0..<g.kernelHeight {
                                for fw in 0..<g.kernelWidth {
                                    let ih = y * g.stride - g.padding + fh
                                    let iw = x0 * g.stride - g.padding + fw
                                    guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                                    sum += weight[((f * g.channels + c) * g.kernelHeight + fh) * g.kernelWidth + fw]
                                        * x[((n * g.channels + c) * g.height + ih) * g.width + iw]
                                }
                            }
                        }
                        out[((n * filters + f) * oh + y) * ow + x0] = sum
                    }
                }
            }
        }
    }

    public func convolutionBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    gradOutput dout: UnsafePointer<Float>,
                                    weightGradient dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>,
                                    inputGradient dx: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                    geometry g: WindowGeometry, filters: Int) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let weightCount = filters * g.windowSize
        for i in 0..<weightCount { dw[i] = 0 }
        for f in 0..<filters { db[f] = 0 }
        if let dx { for i in 0..<(g.batch * g.channels * g.height * g.width) { dx[i] = 0 } }
        for n in 0..<g.batch {
            for f in 0..<filters {
                for y in 0..<oh {
                    for x0 in 0..<ow {
                        let d = dout[((n * filters + f) * oh + y) * ow + x0]
                        db[f] += d
                        for c in 0..<g.channels {
                            for fh in 0..<g.kernelHeight {
                                for fw in 0..<g.kernelWidth {
                                    let ih = y * g.stride - g.padding + fh
                                    let iw = x0 * g.stride - g.padding + fw
                                    guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                                    let wi = ((f * g.channels + c) * g.kernelHeight + fh) * g.kernelWidth + fw
                                    let xi = ((n * g.channels + c) * g.height + ih) * g.width + iw
                                    dw[wi] += d * x[xi]
                                    dx?[xi] += d * weight[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func maxPoolForward(_ x: UnsafePointer<Float>, relu: Bool, into y: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>, geometry g: WindowGeometry) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        for plane in 0..<(g.batch * g.channels) {
            for r in 0..<oh {
                for c in 0..<ow {
                    var best = -1
                    var bestValue = -Float.infinity
                    for fh in 0..<g.kernelHeight {
                        for fw in 0..<g.kernelWidth {
                            let ih = r * g.stride - g.padding + fh
                            let iw = c * g.stride - g.padding + fw
                            guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                            let input = x[plane * g.height * g.width + ih * g.width + iw]
                            let v = relu ? (input > 0 ? input : 0) : input
                            if best < 0 || v > bestValue { best = ih * g.width + iw; bestValue = v }
                        }
                    }
                    y[(plane * oh + r) * ow + c] = bestValue
                    argmax[(plane * oh + r) * ow + c] = Int32(best)
                }
            }
        }
    }

    public func maxPoolBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>?,
                                into dx: UnsafeMutablePointer<Float>, geometry g: WindowGeometry) {
        let planeIn = g.height * g.width
        let planeOut = g.outputHeight * g.outputWidth
        for i in 0..<(g.batch * g.channels * planeIn) { dx[i] = 0 }
        for plane in 0..<(g.batch * g.channels) {
            for o in 0..<planeOut {
                if let reluOutput, !(reluOutput[plane * planeOut + o] > 0) { continue }
                dx[plane * planeIn + Int(argmax[plane * planeOut + o])] += dy[plane * planeOut + o]
            }
        }
    }

    public func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanhf(x[i]) }
    }

    public func tanhBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }

    public func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
                         into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] * m[i] }
    }

    public func batchNormTrainingForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                         gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                         eps: Float, momentum: Float,
                                         runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                         batchMean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                         relu: Bool, into y: UnsafeMutablePointer<Float>) {
        let count = Float(batch * spatial)
        for c in 0..<channels {
            var sum: Float = 0
            for n in 0..<batch {
                for s in 0..<spatial { sum += x[(n * channels + c) * spatial + s] }
            }
            let mean = sum / count
            var squares: Float = 0
            for n in 0..<batch {
                for s in 0..<spatial {
                    let d = x[(n * channels + c) * spatial + s] - mean
                    squares += d * d
                }
            }
            let variance = squares / count
            let inv = 1 / (variance + eps).squareRoot()
            invStd[c] = inv
            batchMean[c] = mean
            for n in 0..<batch {
                for s in 0..<spatial {
                    let i = (n * channels + c) * spatial + s
                    let xhat = (x[i] - mean) * inv
                    let v = gamma[c] * xhat + beta[c]
                    y[i] = relu ? (v > 0 ? v : 0) : v
                }
            }
            runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean
            runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * variance
        }
    }

    public func batchNormInferenceForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                          runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                          relu: Bool, into y: UnsafeMutablePointer<Float>) {
        for n in 0..<batch {
            for c in 0..<channels {
                for s in 0..<spatial {
                    let i = (n * channels + c) * spatial + s
                    let v = gamma[c] * (x[i] - runningMean[c]) / (runningVariance[c] + eps).squareRoot() + beta[c]
                    y[i] = relu ? (v > 0 ? v : 0) : v
                }
            }
        }
    }

    public func batchNormBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
                                  batchMean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, relu: Bool,
                                  batch: Int, channels: Int, spatial: Int,
                                  dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                  into dx: UnsafeMutablePointer<Float>?) {
        let count = Float(batch * spatial)
        // The forward's normalized input, recomputed as the forward rounded it.
        func xhat(_ i: Int, _ c: Int) -> Float { (x[i] - batchMean[c]) * invStd[c] }
        // dy where the fused ReLU passed its input (the forward's output was > 0), else 0.
        func maskedDy(_ i: Int, _ c: Int) -> Float {
            !relu || gamma[c] * xhat(i, c) + beta[c] > 0 ? dy[i] : 0
        }
        for c in 0..<channels {
            var sumDy: Float = 0
            var sumDyXhat: Float = 0
            for n in 0..<batch {
                for s in 0..<spatial {
                    let i = (n * channels + c) * spatial + s
                    sumDy += maskedDy(i, c)
                    sumDyXhat += maskedDy(i, c) * xhat(i, c)
                }
            }
            dbeta[c] = sumDy
            dgamma[c] = sumDyXhat
            guard let dx else { continue }
            let meanDy = sumDy / count
            let meanDyXhat = sumDyXhat / count
            for n in 0..<batch {
                for s in 0..<spatial {
                    let i = (n * channels + c) * spatial + s
                    dx[i] = gamma[c] * invStd[c] * (maskedDy(i, c) - meanDy - xhat(i, c) * meanDyXhat)
                }
            }
        }
    }
}
