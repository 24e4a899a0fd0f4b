/// The int8 kernels written plainly: the oracle for the C ones.
extension NaiveKernels: Int8Kernels {
    public func packedWeightBytes(outputs: Int, inputs: Int) -> Int { 0 }

    public func packWeights(_ w: UnsafePointer<Int8>, outputs: Int, inputs: Int, into packed: UnsafeMutablePointer<Int8>) {}

    public func quantizedProduct(m: Int, n: Int, k: Int, a: UnsafePointer<UInt8>, lda: Int,
                                 weights: Int8Weights, output: QuantizedOutputStage) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Int32 = 0
                for p in 0..<k { sum += Int32(a[i * lda + p]) * Int32(weights.rows[j * k + p]) }
                output.store(sum, channel: j, at: i * output.rowStride + j * output.columnStride)
            }
        }
    }

    public func quantizedConvolutionScratchBytes(geometry: WindowGeometry, filters: Int, threads: Int) -> Int { 0 }

    public func quantizedConvolution(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                     output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                     geometry g: WindowGeometry, filters: Int) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        for n in 0..<g.batch {
            for f in 0..<filters {
                for y in 0..<oh {
                    for x0 in 0..<ow {
                        var sum: Int32 = 0
                        var p = 0
                        for c in 0..<g.channels {
                            for fh in 0..<g.kernelHeight {
                                for fw in 0..<g.kernelWidth {
                                    let ih = y * g.stride - g.padding + fh
                                    let iw = x0 * g.stride - g.padding + fw
                                    let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
                                    let v = inside ? Int32(x[((n * g.channels + c) * g.height + ih) * g.width + iw]) : Int32(zeroPoint)
                                    sum += v * Int32(weights.rows[f * g.windowSize + p])
                                    p += 1
                                }
                            }
                        }
                        output.store(sum, channel: f, at: (n * filters + f) * oh * ow + y * ow + x0)
                    }
                }
            }
        }
    }

    public func quantizedConvolutionChannelsLast(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                                 output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                                 geometry g: WindowGeometry, filters: Int) {
        let (oh, ow, c) = (g.outputHeight, g.outputWidth, g.channels)
        for n in 0..<g.batch {
            for y in 0..<oh {
                for x0 in 0..<ow {
                    for f in 0..<filters {
                        var sum: Int32 = 0
                        var p = 0
                        for fh in 0..<g.kernelHeight {
                            for fw in 0..<g.kernelWidth {
                                let ih = y * g.stride - g.padding + fh
                                let iw = x0 * g.stride - g.padding + fw
                                let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
                                for ch in 0..<c {
                                    let v = inside ? Int32(x[((n * g.height + ih) * g.width + iw) * c + ch]) : Int32(zeroPoint)
                                    sum += v * Int32(weights.rows[f * g.windowSize + p])
                                    p += 1
                                }
                            }
                        }
                        output.store(sum, channel: f, at: ((n * oh + y) * ow + x0) * filters + f)
                    }
                }
            }
        }
    }

    /// The convolution into a whole (batch, OH, OW, filters) byte tensor,
    /// then the pooling over it: the two steps the C kernels fuse.
    public func quantizedConvolutionChannelsLastPooled(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                                       output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                                       geometry g: WindowGeometry, filters: Int) {
        guard case let .bytes(out, outputZeroPoint, lowest) = output.destination else {
            preconditionFailure("NaiveKernels: a pooled convolution writes bytes")
        }
        var full = [UInt8](repeating: 0, count: g.batch * g.outputHeight * g.outputWidth * filters)
        full.withUnsafeMutableBufferPointer { f in
            let stage = QuantizedOutputStage(bias: output.bias, scale: output.scale,
                                             destination: .bytes(f.baseAddress!, zeroPoint: outputZeroPoint, lowest: lowest),
                                             rowStride: 0, columnStride: 0)
            quantizedConvolutionChannelsLast(x, zeroPoint: zeroPoint, weights: weights, output: stage, scratch: scratch,
                                             geometry: g, filters: filters)
            let pool = WindowGeometry(batch: g.batch, channels: filters, height: g.outputHeight, width: g.outputWidth,
                                      kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0)
            maxPoolChannelsLast(f.baseAddress!, into: out, geometry: pool)
        }
    }

    public func maxPoolChannelsLast(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry g: WindowGeometry) {
        let (oh, ow, c) = (g.outputHeight, g.outputWidth, g.channels)
        for n in 0..<g.batch {
            for r in 0..<oh {
                for col in 0..<ow {
                    for ch in 0..<c {
                        var best: UInt8 = 0
                        for ph in 0..<g.kernelHeight {
                            for pw in 0..<g.kernelWidth {
                                let ih = r * g.stride - g.padding + ph, iw = col * g.stride - g.padding + pw
                                if ih >= 0 && ih < g.height && iw >= 0 && iw < g.width {
                                    best = max(best, x[((n * g.height + ih) * g.width + iw) * c + ch])
                                }
                            }
                        }
                        y[((n * oh + r) * ow + col) * c + ch] = best
                    }
                }
            }
        }
    }

    public func quantize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                         inverseScale: Float, zeroPoint: Int) {
        let lo = Float(-zeroPoint), hi = Float(255 - zeroPoint)
        for i in 0..<count {
            var r = (x[i] * inverseScale).rounded(.toNearestOrEven)
            if !(r >= lo) { r = lo }
            if r > hi { r = hi }
            y[i] = UInt8(Int(r) + zeroPoint)
        }
    }

    public func lookup(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                       table: UnsafePointer<UInt8>) {
        for i in 0..<count { y[i] = table[Int(x[i])] }
    }

    public func maxPool(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry g: WindowGeometry) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        for plane in 0..<(g.batch * g.channels) {
            for r in 0..<oh {
                for c in 0..<ow {
                    var best: UInt8 = 0
                    for ph in 0..<g.kernelHeight {
                        for pw in 0..<g.kernelWidth {
                            let ih = r * g.stride - g.padding + ph, iw = c * g.stride - g.padding + pw
                            if ih >= 0 && ih < g.height && iw >= 0 && iw < g.width {
                                best = max(best, x[(plane * g.height + ih) * g.width + iw])
                            }
                        }
                    }
                    y[(plane * oh + r) * ow + c] = best
                }
            }
        }
    }
}
