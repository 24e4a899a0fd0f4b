import Testing
import ScratchNet
import ScratchNetTestSupport

/// Every int8 path the CPU runs (generic, AVX2 with and without vpmaddubsw,
/// AVX-512 VNNI), forced one at a time, against the naive Swift kernels, bit
/// for bit: the sums are exact integers and the output stage is the same
/// float operations. Odd shapes (1, 7, 33, 100, K = 784 for the full int8
/// range in long sums), at 1 and 2 threads, with weights of the full int8
/// range (where AVX2 must widen) and of the quantizer's [-64, 64] (where it
/// runs vpmaddubsw), each with its worst case for int16 saturation (bytes 255
/// times the largest weights of one sign) in every product.
@Suite("int8 kernels")
struct Int8KernelTests {
    static let sizes = [1, 7, 33, 100]
    static let shapes: [(Int, Int, Int)] = sizes.flatMap { m in sizes.flatMap { n in (sizes + [784]).map { (m, n, $0) } } }

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
        mutating func weights(_ n: Int, limit: Int = 127) -> [Int8] {
            (0..<n).map { _ in Int8(Int(next() % UInt64(2 * limit + 1)) - limit) }
        }
    }

    @Test func skippedPathsAreNamed() {
        #expect(Int8MicroKernel.supported.contains(.generic))
        let skipped = Int8MicroKernel.allCases.filter { !Int8MicroKernel.supported.contains($0) }
        if !skipped.isEmpty { print("int8 paths skipped on this CPU (not supported): \(skipped)") }
    }

    /// Runs `body` with weights packed for `kernels`.
    func withWeights<R>(_ w: [Int8], outputs: Int, inputs: Int, kernels: any Int8Kernels, _ body: (Int8Weights) -> R) -> R {
        let packed = UnsafeMutablePointer<Int8>.allocate(capacity: max(64, kernels.packedWeightBytes(outputs: outputs, inputs: inputs)))
        defer { packed.deallocate() }
        return w.withUnsafeBufferPointer { rows in
            kernels.packWeights(rows.baseAddress!, outputs: outputs, inputs: inputs, into: packed)
            return body(Int8Weights(outputs: outputs, inputs: inputs, rows: rows.baseAddress!, packed: packed))
        }
    }

    /// The product's bytes and floats for every destination variant.
    func product(_ kernels: any Int8Kernels, m: Int, n: Int, k: Int, a: [UInt8], lda: Int, w: [Int8],
                 bias: [Int32], scale: [Float]) -> [[UInt8]: [Float]] {
        var results: [[UInt8]: [Float]] = [:]
        for (variant, zp) in [(0, Int32(0)), (1, Int32(37)), (2, Int32(200))] {
            var q = [UInt8](repeating: 0xAB, count: m * n)
            var f = [Float](repeating: .nan, count: m * n)
            withWeights(w, outputs: n, inputs: k, kernels: kernels) { weights in
                bias.withUnsafeBufferPointer { b in
                    scale.withUnsafeBufferPointer { s in
                        a.withUnsafeBufferPointer { a in
                            q.withUnsafeMutableBufferPointer { q in
                                let stage = QuantizedOutputStage(bias: b.baseAddress!, scale: s.baseAddress!,
                                                                 destination: .bytes(q.baseAddress!, zeroPoint: zp, lowest: variant == 1 ? zp : 0),
                                                                 rowStride: n, columnStride: 1)
                                kernels.quantizedProduct(m: m, n: n, k: k, a: a.baseAddress!, lda: lda, weights: weights, output: stage)
                            }
                            f.withUnsafeMutableBufferPointer { f in
                                // Transposed store (a conv's plane layout) for the float variant.
                                let stage = QuantizedOutputStage(bias: b.baseAddress!, scale: s.baseAddress!,
                                                                 destination: .floats(f.baseAddress!, relu: variant == 1),
                                                                 rowStride: variant == 2 ? 1 : n, columnStride: variant == 2 ? m : 1)
                                kernels.quantizedProduct(m: m, n: n, k: k, a: a.baseAddress!, lda: lda, weights: weights, output: stage)
                            }
                        }
                    }
                }
            }
            results[q + [UInt8(variant)]] = f
        }
        return results
    }

    @Test(arguments: Self.shapes.indices)
    func everyPathMatchesNaiveBitForBit(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        for limit in [127, Int(QuantizedModel.weightLimit)] {
            var rng = Random(state: UInt64(shapeIndex + 1))
            let lda = k + shapeIndex % 3
            var a = rng.bytes(m * lda)
            var w = rng.weights(n * k, limit: limit)
            // Worst case for pairwise int16 saturation: 255 × the largest weights, pairs of one sign, over a whole row.
            for p in 0..<k { a[p] = 255; w[p] = Int8(p % 4 < 2 ? -limit : limit) }
            let bias = (0..<n).map { _ in Int32(Int(rng.next() % 200_001) - 100_000) }
            let scale = (0..<n).map { _ in Float(rng.next() % 1000 + 1) * 1e-6 }
            let expected = product(NaiveKernels(), m: m, n: n, k: k, a: a, lda: lda, w: w, bias: bias, scale: scale)
            for path in Int8MicroKernel.supported {
                for threads in [1, 2] {
                    let got = product(FastInt8Kernels(threads: threads, path: path), m: m, n: n, k: k, a: a, lda: lda,
                                      w: w, bias: bias, scale: scale)
                    let context = "\(path), \(threads) threads, (\(m), \(n), \(k)), weights ±\(limit)"
                    #expect(got.keys.sorted { $0.lexicographicallyPrecedes($1) } == expected.keys.sorted { $0.lexicographicallyPrecedes($1) },
                            "\(context): bytes differ")
                    for (key, floats) in expected {
                        #expect(got[key].map { $0.map(\.bitPattern) } == floats.map(\.bitPattern), "\(context): floats differ")
                    }
                }
            }
        }
    }

    static let convCases: [(batch: Int, channels: Int, size: Int, filters: Int, kernel: Int, stride: Int, padding: Int)] = [
        (1, 1, 7, 1, 1, 1, 0), (7, 1, 28, 30, 5, 1, 0), (1, 3, 33, 7, 3, 2, 1), (2, 16, 14, 33, 3, 1, 2),
        (3, 7, 9, 100, 3, 1, 1),
    ]

    @Test(arguments: Self.convCases.indices)
    func convolutionMatchesNaiveBitForBit(caseIndex: Int) {
        let c = Self.convCases[caseIndex]
        let g = WindowGeometry(batch: c.batch, channels: c.channels, height: c.size, width: c.size, kernelHeight: c.kernel,
                               kernelWidth: c.kernel, stride: c.stride, padding: c.padding)
        var rng = Random(state: UInt64(caseIndex + 100))
        let x = rng.bytes(c.batch * c.channels * c.size * c.size)
        // Even cases: full-range weights (AVX2 widens); odd: the quantizer's (AVX2 runs vpmaddubsw).
        let w = rng.weights(c.filters * g.windowSize, limit: caseIndex % 2 == 0 ? 127 : Int(QuantizedModel.weightLimit))
        let bias = (0..<c.filters).map { _ in Int32(Int(rng.next() % 20001) - 10000) }
        let scale = (0..<c.filters).map { _ in Float(rng.next() % 1000 + 1) * 1e-5 }
        let count = c.batch * c.filters * g.outputPixels
        func run(_ kernels: any Int8Kernels, threads: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, kernels.quantizedConvolutionScratchBytes(geometry: g, filters: c.filters, threads: threads)))
            defer { scratch.deallocate() }
            withWeights(w, outputs: c.filters, inputs: g.windowSize, kernels: kernels) { weights in
                bias.withUnsafeBufferPointer { b in
                    scale.withUnsafeBufferPointer { s in
                        out.withUnsafeMutableBufferPointer { o in
                            let stage = QuantizedOutputStage(bias: b.baseAddress!, scale: s.baseAddress!,
                                                             destination: .bytes(o.baseAddress!, zeroPoint: 11, lowest: 11),
                                                             rowStride: 0, columnStride: 0)
                            kernels.quantizedConvolution(x, zeroPoint: 19, weights: weights, output: stage, scratch: scratch,
                                                         geometry: g, filters: c.filters)
                        }
                    }
                }
            }
            return out
        }
        let expected = run(NaiveKernels(), threads: 1)
        #expect(caseIndex == 0 || Set(expected).count > 2, "the case exercises more than the clamps")
        for path in Int8MicroKernel.supported {
            for threads in [1, 2] {
                #expect(run(FastInt8Kernels(threads: threads, path: path), threads: threads) == expected, "\(path), \(threads) threads")
            }
        }
    }

    /// (batch, channels, pixels) → (batch, pixels, channels).
    static func toChannelsLast<T>(_ x: [T], batch: Int, channels: Int, pixels: Int) -> [T] {
        var y = x
        for n in 0..<batch {
            for c in 0..<channels {
                for p in 0..<pixels { y[(n * pixels + p) * channels + c] = x[(n * channels + c) * pixels + p] }
            }
        }
        return y
    }

    // (3, 2, 11, 9, 3, 1, 1): 6-byte window runs, copied as overlapping 8-byte moves.
    static let channelsLastCases = convCases + [(4, 33, 8, 17, 5, 2, 2), (2, 16, 7, 32, 3, 1, 1), (3, 2, 11, 9, 3, 1, 1)]

    /// The channels-last convolution (naive and every C path, 1 and 2
    /// threads) on transposed images with (fh, fw, c) weights gives the NCHW
    /// convolution's outputs transposed, bit for bit: bytes (with and without
    /// the fused ReLU) and floats.
    @Test(arguments: Self.channelsLastCases.indices)
    func channelsLastConvolutionMatchesNCHWBitForBit(caseIndex: Int) {
        let c = Self.channelsLastCases[caseIndex]
        let g = WindowGeometry(batch: c.batch, channels: c.channels, height: c.size, width: c.size, kernelHeight: c.kernel,
                               kernelWidth: c.kernel, stride: c.stride, padding: c.padding)
        var rng = Random(state: UInt64(caseIndex + 300))
        let x = rng.bytes(c.batch * c.channels * c.size * c.size)
        // Even cases: full-range weights (AVX2 widens); odd: the quantizer's (AVX2 runs vpmaddubsw).
        let w = rng.weights(c.filters * g.windowSize, limit: caseIndex % 2 == 0 ? 127 : Int(QuantizedModel.weightLimit))
        let bias = (0..<c.filters).map { _ in Int32(Int(rng.next() % 20001) - 10000) }
        let scale = (0..<c.filters).map { _ in Float(rng.next() % 1000 + 1) * 1e-5 }
        let xLast = Self.toChannelsLast(x, batch: c.batch, channels: c.channels, pixels: c.size * c.size)
        // Filter f's window (c, fh, fw) → (fh, fw, c).
        let area = c.kernel * c.kernel
        let wLast = Self.toChannelsLast(w, batch: c.filters, channels: c.channels, pixels: area)
        let count = c.batch * c.filters * g.outputPixels
        func run(_ kernels: any Int8Kernels, threads: Int, last: Bool, variant: Int) -> ([UInt8], [Float]) {
            var out = [UInt8](repeating: 0xAB, count: count)
            var floats = [Float](repeating: .nan, count: count)
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, kernels.quantizedConvolutionScratchBytes(geometry: g, filters: c.filters, threads: threads)))
            defer { scratch.deallocate() }
            withWeights(last ? wLast : w, outputs: c.filters, inputs: g.windowSize, kernels: kernels) { weights in
                bias.withUnsafeBufferPointer { b in
                    scale.withUnsafeBufferPointer { s in
                        out.withUnsafeMutableBufferPointer { o in
                            floats.withUnsafeMutableBufferPointer { f in
                                let destination: QuantizedOutputStage.Destination = variant == 2
                                    ? .floats(f.baseAddress!, relu: true)
                                    : .bytes(o.baseAddress!, zeroPoint: 23, lowest: variant == 1 ? 23 : 0)
                                let stage = QuantizedOutputStage(bias: b.baseAddress!, scale: s.baseAddress!, destination: destination,
                                                                 rowStride: 0, columnStride: 0)
                                if last {
                                    kernels.quantizedConvolutionChannelsLast(xLast, zeroPoint: 41, weights: weights, output: stage,
                                                                             scratch: scratch, geometry: g, filters: c.filters)
                                } else {
                                    kernels.quantizedConvolution(x, zeroPoint: 41, weights: weights, output: stage, scratch: scratch,
                                                                 geometry: g, filters: c.filters)
                                }
                            }
                        }
                    }
                }
            }
            return (out, floats)
        }
        for variant in 0..<3 {
            let (q, f) = run(NaiveKernels(), threads: 1, last: false, variant: variant)
            let expectedBytes = Self.toChannelsLast(q, batch: c.batch, channels: c.filters, pixels: g.outputPixels)
            let expectedFloats = Self.toChannelsLast(f, batch: c.batch, channels: c.filters, pixels: g.outputPixels).map(\.bitPattern)
            if variant == 0 { #expect(caseIndex == 0 || Set(q).count > 2, "the case exercises more than the clamps") }
            let naive = run(NaiveKernels(), threads: 1, last: true, variant: variant)
            #expect(naive.0 == expectedBytes && naive.1.map(\.bitPattern) == expectedFloats, "naive, variant \(variant)")
            for path in Int8MicroKernel.supported {
                for threads in [1, 2] {
                    let got = run(FastInt8Kernels(threads: threads, path: path), threads: threads, last: true, variant: variant)
                    #expect(got.0 == expectedBytes && got.1.map(\.bitPattern) == expectedFloats,
                            "\(path), \(threads) threads, variant \(variant)")
                }
            }
        }
    }

    /// The convolution with its 2×2, stride-2 max pooling in one pass (the
    /// product's rows in the windows' fours, each four's max through the
    /// stage) gives the bytes of the convolution then the pooling, on every
    /// path at 1 and 2 threads: odd output sizes (the last row and column
    /// dropped), one window, channels below and above 16, both weight ranges.
    @Test(arguments: Self.pooledCases.indices)
    func pooledChannelsLastConvolutionMatchesConvolutionThenPooling(caseIndex: Int) {
        let c = Self.pooledCases[caseIndex]
        let g = WindowGeometry(batch: c.batch, channels: c.channels, height: c.size, width: c.size, kernelHeight: c.kernel,
                               kernelWidth: c.kernel, stride: c.stride, padding: c.padding)
        let pool = WindowGeometry(batch: c.batch, channels: c.filters, height: g.outputHeight, width: g.outputWidth,
                                  kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0)
        var rng = Random(state: UInt64(caseIndex + 500))
        let x = rng.bytes(c.batch * c.channels * c.size * c.size)
        let w = rng.weights(c.filters * g.windowSize, limit: caseIndex % 2 == 0 ? 127 : Int(QuantizedModel.weightLimit))
        let bias = (0..<c.filters).map { _ in Int32(Int(rng.next() % 20001) - 10000) }
        let scale = (0..<c.filters).map { _ in Float(rng.next() % 1000 + 1) * 1e-5 }
        func run(_ kernels: any Int8Kernels, threads: Int, pooled: Bool, lowest: Int32) -> [UInt8] {
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, kernels.quantizedConvolutionScratchBytes(geometry: g, filters: c.filters, threads: threads)))
            defer { scratch.deallocate() }
            var full = [UInt8](repeating: 0xAB, count: c.batch * g.outputPixels * c.filters)
            var out = [UInt8](repeating: 0xAB, count: c.batch * pool.outputPixels * c.filters)
            withWeights(w, outputs: c.filters, inputs: g.windowSize, kernels: kernels) { weights in
                bias.withUnsafeBufferPointer { b in
                    scale.withUnsafeBufferPointer { s in
                        out.withUnsafeMutableBufferPointer { o in
                            full.withUnsafeMutableBufferPointer { f in
                                let target = pooled ? o.baseAddress! : f.baseAddress!
                                let stage = QuantizedOutputStage(bias: b.baseAddress!, scale: s.baseAddress!,
                                                                 destination: .bytes(target, zeroPoint: 29, lowest: lowest),
                                                                 rowStride: 0, columnStride: 0)
                                if pooled {
                                    kernels.quantizedConvolutionChannelsLastPooled(x, zeroPoint: 13, weights: weights, output: stage,
                                                                                   scratch: scratch, geometry: g, filters: c.filters)
                                } else {
                                    kernels.quantizedConvolutionChannelsLast(x, zeroPoint: 13, weights: weights, output: stage,
                                                                             scratch: scratch, geometry: g, filters: c.filters)
                                    NaiveKernels().maxPoolChannelsLast(f.baseAddress!, into: o.baseAddress!, geometry: pool)
                                }
                            }
                        }
                    }
                }
            }
            return out
        }
        for lowest: Int32 in [0, 29] {
            let expected = run(NaiveKernels(), threads: 1, pooled: false, lowest: lowest)
            #expect(Set(expected).count > 2, "the case exercises more than the clamps")
            #expect(run(NaiveKernels(), threads: 1, pooled: true, lowest: lowest) == expected, "naive, lowest \(lowest)")
            for path in Int8MicroKernel.supported {
                for threads in [1, 2] {
                    #expect(run(FastInt8Kernels(threads: threads, path: path), threads: threads, pooled: true, lowest: lowest) == expected,
                            "\(path), \(threads) threads, lowest \(lowest)")
                }
            }
        }
    }

    static let pooledCases: [(batch: Int, channels: Int, size: Int, filters: Int, kernel: Int, stride: Int, padding: Int)] = [
        (7, 1, 28, 30, 5, 1, 0), (3, 16, 9, 33, 3, 1, 1), (2, 3, 10, 7, 3, 1, 0), (1, 2, 4, 100, 3, 1, 0), (5, 32, 8, 17, 3, 1, 2),
    ]

    @Test func channelsLastMaxPoolMatchesNCHW() {
        var rng = Random(state: 11)
        for (size, stride, padding, h, channels) in [(2, 2, 0, 24, 30), (3, 2, 1, 7, 7), (2, 1, 1, 33, 1), (3, 3, 0, 100, 3), (2, 2, 0, 9, 64)] {
            let g = WindowGeometry(batch: 3, channels: channels, height: h, width: h, kernelHeight: size, kernelWidth: size,
                                   stride: stride, padding: padding)
            let x = rng.bytes(3 * channels * h * h)
            var nchw = [UInt8](repeating: 0, count: 3 * channels * g.outputPixels)
            NaiveKernels().maxPool(x, into: &nchw, geometry: g)
            let expected = Self.toChannelsLast(nchw, batch: 3, channels: channels, pixels: g.outputPixels)
            let xLast = Self.toChannelsLast(x, batch: 3, channels: channels, pixels: h * h)
            var a = [UInt8](repeating: 0xAB, count: expected.count), b = a
            NaiveKernels().maxPoolChannelsLast(xLast, into: &b, geometry: g)
            #expect(b == expected, "naive pool \(size) stride \(stride) pad \(padding) on \(h)×\(h)×\(channels)")
            for threads in [1, 2] {
                FastInt8Kernels(threads: threads).maxPoolChannelsLast(xLast, into: &a, geometry: g)
                #expect(a == expected, "pool \(size) stride \(stride) pad \(padding) on \(h)×\(h)×\(channels), \(threads) threads")
            }
        }
    }

    @Test func quantizeLookupAndMaxPoolMatchNaive() {
        var rng = Random(state: 7)
        for n in [1, 7, 33, 100, 70_001] {
            let x = (0..<n).map { i in i == 0 ? Float.nan : (Float(rng.next() % 4001) - 2000) / 997 }
            let table = rng.bytes(256)
            let bytes = rng.bytes(n)
            for threads in [1, 2] {
                let fast = FastInt8Kernels(threads: threads)
                var a = [UInt8](repeating: 1, count: n), b = a
                fast.quantize(x, into: &a, count: n, inverseScale: 31.7, zeroPoint: 77)
                NaiveKernels().quantize(x, into: &b, count: n, inverseScale: 31.7, zeroPoint: 77)
                #expect(a == b)
                #expect(a[0] == 0, "NaN quantizes to byte 0")
                fast.lookup(bytes, into: &a, count: n, table: table)
                NaiveKernels().lookup(bytes, into: &b, count: n, table: table)
                #expect(a == b)
            }
        }
        for (size, stride, padding, h) in [(2, 2, 0, 24), (3, 2, 1, 7), (2, 1, 1, 33), (3, 3, 0, 100)] {
            let g = WindowGeometry(batch: 3, channels: 7, height: h, width: h, kernelHeight: size, kernelWidth: size,
                                   stride: stride, padding: padding)
            let x = rng.bytes(3 * 7 * h * h)
            var a = [UInt8](repeating: 0, count: 3 * 7 * g.outputPixels), b = a
            for threads in [1, 2] {
                FastInt8Kernels(threads: threads).maxPool(x, into: &a, geometry: g)
                NaiveKernels().maxPool(x, into: &b, geometry: g)
                #expect(a == b, "pool \(size) stride \(stride) pad \(padding) on \(h)×\(h)")
            }
        }
    }
}
