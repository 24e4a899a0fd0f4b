import Testing
import ScratchNet
import ScratchNetTestSupport

/// The convolution, pooling, tanh, dropout and batch-norm kernels of
/// ``FastKernels`` against the naive oracle, on odd shapes, at 1 and 2 threads.
@Suite("Kernels: conv, pool, tanh, dropout, batch norm", .serialized)
struct ConvPoolKernelTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    func withThreadCounts(_ body: (Int) throws -> Void) rethrows {
        defer { fast.threads = 1 }
        for threads in [1, 2] {
            fast.threads = threads
            try body(threads)
        }
    }

    /// Shapes with 1, 3, 7, 33 channels/sizes, strides 1–3, paddings 0–2.
    static let geometries: [WindowGeometry] = [
        WindowGeometry(batch: 1, channels: 1, height: 1, width: 1, kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0),
        WindowGeometry(batch: 3, channels: 1, height: 7, width: 7, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1),
        WindowGeometry(batch: 2, channels: 3, height: 7, width: 5, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1),
        WindowGeometry(batch: 7, channels: 33, height: 9, width: 9, kernelHeight: 5, kernelWidth: 5, stride: 1, padding: 2),
        WindowGeometry(batch: 5, channels: 7, height: 33, width: 33, kernelHeight: 3, kernelWidth: 3, stride: 3, padding: 0),
        WindowGeometry(batch: 33, channels: 3, height: 12, width: 10, kernelHeight: 2, kernelWidth: 4, stride: 2, padding: 1),
        // Large enough to run multi-threaded (above the C kernels' grain size).
        WindowGeometry(batch: 16, channels: 3, height: 28, width: 28, kernelHeight: 5, kernelWidth: 5, stride: 1, padding: 0),
    ]

    /// Filter counts paired with ``geometries``: 1, odd, a multiple of 4,
    /// one more than a multiple of 16, and the book's 30.
    static let convolutions: [(WindowGeometry, Int)] = Array(zip(geometries, [1, 5, 7, 33, 4, 6, 30])) + [
        // The book's SimpleConvNet first layer (batch 9: more than one image per block).
        (WindowGeometry(batch: 9, channels: 1, height: 28, width: 28, kernelHeight: 5, kernelWidth: 5, stride: 1, padding: 0), 30),
        // DeepConvNet's padding-2 layer, 17 filters (an edge row tile).
        (WindowGeometry(batch: 3, channels: 5, height: 14, width: 14, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 2), 17),
    ]

    /// Runs the convolution forward and backward (with and without the input
    /// gradient) on one backend; returns out, dW, db, dx, and dW from the run without dx.
    func convolve(_ kernels: any Kernels, geometry g: WindowGeometry, filters: Int,
                  x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                  dout: UnsafePointer<Float>) -> [[Float]] {
        let inputCount = g.batch * g.channels * g.height * g.width
        let outputCount = g.batch * filters * g.outputPixels
        let weightCount = filters * g.windowSize
        let scratchCount = max(kernels.convolutionScratchCount(geometry: g, filters: filters), 1)
        var out = [Float](repeating: .nan, count: outputCount)
        var dw = [Float](repeating: .nan, count: weightCount), dw2 = dw
        var db = [Float](repeating: .nan, count: filters), db2 = db
        var dx = [Float](repeating: .nan, count: inputCount)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        scratch.update(repeating: .nan, count: scratchCount) // the kernels must not read stale scratch
        kernels.convolutionForward(x, weight: weight, bias: bias, into: &out, scratch: scratch, geometry: g, filters: filters)
        kernels.convolutionBackward(x, weight: weight, gradOutput: dout, weightGradient: &dw, biasGradient: &db,
                                    inputGradient: &dx, scratch: scratch, geometry: g, filters: filters)
        kernels.convolutionBackward(x, weight: weight, gradOutput: dout, weightGradient: &dw2, biasGradient: &db2,
                                    inputGradient: nil, scratch: scratch, geometry: g, filters: filters)
        return [out, dw, db, dx, dw2, db2]
    }

    /// The fast convolution against the direct naive loops, at 1 and 2
    /// threads, and bit-identical between the thread counts (fixed image
    /// blocks, partial gradients summed in block order).
    @Test(arguments: convolutions)
    func convolutionForwardAndBackwardEqualNaive(geometry g: WindowGeometry, filters: Int) {
        let inputCount = g.batch * g.channels * g.height * g.width
        let outputCount = g.batch * filters * g.outputPixels
        let weightCount = filters * g.windowSize
        let x = UnsafeMutablePointer<Float>.allocate(capacity: inputCount)
        let w = UnsafeMutablePointer<Float>.allocate(capacity: weightCount)
        let bias = UnsafeMutablePointer<Float>.allocate(capacity: filters)
        let dout = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
        defer { x.deallocate(); w.deallocate(); bias.deallocate(); dout.deallocate() }
        fillUniform(x, count: inputCount, seed: 21)
        fillUniform(w, count: weightCount, seed: 22)
        fillUniform(bias, count: filters, seed: 23)
        fillUniform(dout, count: outputCount, seed: 24)
        let expected = convolve(naive, geometry: g, filters: filters, x: x, weight: w, bias: bias, dout: dout)
        // Sums of K = C·FH·FW (out), N·OH·OW (dW, db) and FN·FH·FW (dx) terms
        // in another order; floor 1 because random-sign sums can cancel.
        let tolerances = [g.windowSize, g.windowCount, g.windowCount,
                          filters * g.kernelHeight * g.kernelWidth, g.windowCount, g.windowCount]
            .map { Tolerance.kernel(k: $0) }
        let names = ["out", "dW", "db", "dx", "dW without dx", "db without dx"]
        var byThreads: [[[Float]]] = []
        withThreadCounts { threads in
            let got = convolve(fast, geometry: g, filters: filters, x: x, weight: w, bias: bias, dout: dout)
            for i in 0..<names.count {
                let difference = maxRelativeDifference(got[i], expected[i], count: got[i].count, floor: 1)
                #expect(difference <= tolerances[i], "\(names[i]) \(g) FN \(filters) at \(threads) threads: \(difference)")
            }
            byThreads.append(got)
        }
        #expect(byThreads[0] == byThreads[1], "1 and 2 threads differ for \(g) FN \(filters)")
    }

    static let poolGeometries: [WindowGeometry] = [
        WindowGeometry(batch: 1, channels: 1, height: 1, width: 1, kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0),
        WindowGeometry(batch: 3, channels: 7, height: 7, width: 7, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        WindowGeometry(batch: 2, channels: 33, height: 9, width: 7, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1),
        WindowGeometry(batch: 5, channels: 3, height: 33, width: 33, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1),
        WindowGeometry(batch: 7, channels: 1, height: 8, width: 11, kernelHeight: 4, kernelWidth: 4, stride: 3, padding: 2),
        WindowGeometry(batch: 100, channels: 30, height: 24, width: 24, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        // The 2×2 stride-2 pool's vector paths: rows of 8+ outputs (the last
        // chunk overlapping), of 4–7, odd heights and widths left uncovered.
        WindowGeometry(batch: 2, channels: 5, height: 14, width: 14, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        WindowGeometry(batch: 3, channels: 2, height: 28, width: 28, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        WindowGeometry(batch: 1, channels: 7, height: 9, width: 17, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        WindowGeometry(batch: 4, channels: 3, height: 11, width: 9, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
        WindowGeometry(batch: 2, channels: 3, height: 3, width: 3, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0),
    ]

    @Test(arguments: poolGeometries)
    func maxPoolForwardAndBackwardEqualNaive(geometry g: WindowGeometry) {
        withThreadCounts { threads in
            let inputCount = g.batch * g.channels * g.height * g.width
            let outputCount = g.batch * g.channels * g.outputPixels
            let x = UnsafeMutablePointer<Float>.allocate(capacity: inputCount)
            let y1 = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
            let y2 = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
            let i1 = UnsafeMutablePointer<Int32>.allocate(capacity: outputCount)
            let i2 = UnsafeMutablePointer<Int32>.allocate(capacity: outputCount)
            let dy = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
            let dx1 = UnsafeMutablePointer<Float>.allocate(capacity: inputCount)
            let dx2 = UnsafeMutablePointer<Float>.allocate(capacity: inputCount)
            defer {
                x.deallocate(); y1.deallocate(); y2.deallocate(); i1.deallocate(); i2.deallocate()
                dy.deallocate(); dx1.deallocate(); dx2.deallocate()
            }
            // Negative inputs too: padding must never win (it is −∞, not 0).
            fillUniform(x, count: inputCount, seed: 5, in: -2...(-0.5))
            fillUniform(dy, count: outputCount, seed: 6)
            fast.maxPoolForward(x, relu: false, into: y1, argmax: i1, geometry: g)
            naive.maxPoolForward(x, relu: false, into: y2, argmax: i2, geometry: g)
            #expect(maxRelativeDifference(y1, y2, count: outputCount) == 0, "pool forward \(g) at \(threads) threads")
            #expect((0..<outputCount).allSatisfy { i1[$0] == i2[$0] }, "argmax \(g) at \(threads) threads")
            #expect((0..<outputCount).allSatisfy { y1[$0] < 0 }, "a padded window returned 0")
            dx1.update(repeating: .nan, count: inputCount)
            fast.maxPoolBackward(dy, argmax: i1, reluOutput: nil, into: dx1, geometry: g)
            naive.maxPoolBackward(dy, argmax: i2, reluOutput: nil, into: dx2, geometry: g)
            #expect(maxRelativeDifference(dx1, dx2, count: inputCount) <= 1e-6, "pool backward \(g) at \(threads) threads")
        }
    }

    /// The ReLU fused into the pool equals the ReLU kernel and then the pool
    /// (and the pool's backward, then the ReLU's) bit for bit, on each
    /// backend, with negatives, exact zeros (ties once ReLU'd), NaN and ±∞.
    @Test(arguments: poolGeometries)
    func maxPoolWithFusedReLUEqualsReLUThenMaxPool(geometry g: WindowGeometry) {
        let inputCount = g.batch * g.channels * g.height * g.width
        let outputCount = g.batch * g.channels * g.outputPixels
        var x = [Float](repeating: 0, count: inputCount), dy = [Float](repeating: 0, count: outputCount)
        fillUniform(&x, count: inputCount, seed: 7)
        fillUniform(&dy, count: outputCount, seed: 8)
        for i in stride(from: 0, to: inputCount, by: 5) { x[i] = 0 }
        for (step, value) in [(97, Float.nan), (89, .infinity), (83, -.infinity), (79, -0.0)] {
            for i in stride(from: step / 2, to: inputCount, by: step) { x[i] = value }
        }
        for kernels in [FastKernels(threads: 1), FastKernels(threads: 2), NaiveKernels()] as [any Kernels] {
            var yFused = [Float](repeating: 0, count: outputCount), yApart = yFused
            var argFused = [Int32](repeating: 0, count: outputCount), argApart = argFused
            var dxFused = [Float](repeating: .nan, count: inputCount), dxApart = dxFused
            var relu = x
            kernels.maxPoolForward(x, relu: true, into: &yFused, argmax: &argFused, geometry: g)
            kernels.maxPoolBackward(dy, argmax: argFused, reluOutput: yFused, into: &dxFused, geometry: g)
            kernels.relu(x, into: &relu, count: inputCount)
            kernels.maxPoolForward(relu, relu: false, into: &yApart, argmax: &argApart, geometry: g)
            kernels.maxPoolBackward(dy, argmax: argApart, reluOutput: nil, into: &dxApart, geometry: g)
            dxApart.withUnsafeMutableBufferPointer {
                kernels.reluBackward($0.baseAddress!, output: relu, into: $0.baseAddress!, count: inputCount)
            }
            let name = "\(type(of: kernels)) \(g)"
            #expect(yFused.map(\.bitPattern) == yApart.map(\.bitPattern) && argFused == argApart, "\(name) forward")
            #expect(dxFused.map(\.bitPattern) == dxApart.map(\.bitPattern), "\(name) backward")
        }
    }

    @Test(arguments: [1, 3, 7, 33, 257])
    func tanhAndMultiplyEqualNaive(count: Int) {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { x.deallocate(); m.deallocate(); a.deallocate(); b.deallocate() }
        fillUniform(x, count: count, seed: 7, in: -3...3)
        fillUniform(m, count: count, seed: 8)
        fast.tanh(x, into: a, count: count)
        naive.tanh(x, into: b, count: count)
        #expect(maxRelativeDifference(a, b, count: count) == 0)
        fast.tanhBackward(m, output: x, into: a, count: count)
        naive.tanhBackward(m, output: x, into: b, count: count)
        #expect(maxRelativeDifference(a, b, count: count) <= 1e-6)
        fast.multiply(x, m, into: a, count: count)
        naive.multiply(x, m, into: b, count: count)
        #expect(maxRelativeDifference(a, b, count: count) == 0)
    }

    /// Dense (S = 1, both the 16-channel and the leftover path) and image layouts.
    @Test(arguments: [(3, 1, 1), (7, 33, 1), (100, 50, 1), (5, 3, 49), (2, 7, 33), (4, 16, 1)])
    func batchNormKernelsEqualNaive(batch: Int, channels: Int, spatial: Int) {
        let count = batch * channels * spatial
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: n) }
        let x = buffer(count), dy = buffer(count), gamma = buffer(channels), beta = buffer(channels)
        let outputs = (0..<2).map { _ in (y: buffer(count), mean: buffer(channels), inv: buffer(channels),
                                          rm: buffer(channels), rv: buffer(channels), dx: buffer(count),
                                          dg: buffer(channels), db: buffer(channels), yi: buffer(count)) }
        defer {
            for p in [x, dy, gamma, beta] { p.deallocate() }
            for o in outputs { for p in [o.y, o.mean, o.inv, o.rm, o.rv, o.dx, o.dg, o.db, o.yi] { p.deallocate() } }
        }
        fillUniform(x, count: count, seed: 9, in: -2...3)
        fillUniform(dy, count: count, seed: 10)
        fillUniform(gamma, count: channels, seed: 11, in: 0.5...1.5)
        fillUniform(beta, count: channels, seed: 12)
        for (kernels, o) in zip([fast as any Kernels, naive], outputs) {
            fillUniform(o.rm, count: channels, seed: 13)
            fillUniform(o.rv, count: channels, seed: 14, in: 0.5...1)
            kernels.batchNormTrainingForward(x, batch: batch, channels: channels, spatial: spatial, gamma: gamma, beta: beta,
                                             eps: 1e-6, momentum: 0.9, runningMean: o.rm, runningVariance: o.rv,
                                             batchMean: o.mean, invStd: o.inv, relu: false, into: o.y)
            kernels.batchNormBackward(dy, input: x, batchMean: o.mean, invStd: o.inv, gamma: gamma, beta: beta, relu: false,
                                      batch: batch, channels: channels, spatial: spatial,
                                      dgamma: o.dg, dbeta: o.db, into: o.dx)
            kernels.batchNormInferenceForward(x, batch: batch, channels: channels, spatial: spatial, gamma: gamma,
                                              beta: beta, eps: 1e-6, runningMean: o.rm, runningVariance: o.rv,
                                              relu: false, into: o.yi)
        }
        let (f, n) = (outputs[0], outputs[1])
        // Sums of N·S terms in a different order; outputs are O(1), so a floor of 1.
        let tol = Tolerance.kernel(k: batch * spatial) * 10
        #expect(maxRelativeDifference(f.y, n.y, count: count, floor: 1) <= tol, "y")
        #expect(maxRelativeDifference(f.mean, n.mean, count: channels, floor: 1) <= tol, "batch mean")
        #expect(maxRelativeDifference(f.inv, n.inv, count: channels, floor: 1) <= tol, "invStd")
        #expect(maxRelativeDifference(f.rm, n.rm, count: channels, floor: 1) <= tol, "running mean")
        #expect(maxRelativeDifference(f.rv, n.rv, count: channels, floor: 1) <= tol, "running variance")
        #expect(maxRelativeDifference(f.dx, n.dx, count: count, floor: 1) <= tol, "dx")
        #expect(maxRelativeDifference(f.dg, n.dg, count: channels, floor: 1) <= tol, "dgamma")
        #expect(maxRelativeDifference(f.db, n.db, count: channels, floor: 1) <= tol, "dbeta")
        #expect(maxRelativeDifference(f.yi, n.yi, count: count, floor: 1) <= tol, "inference y")
    }
}

extension WindowGeometry: CustomTestStringConvertible {
    public var testDescription: String {
        "N\(batch) C\(channels) \(height)×\(width) k\(kernelHeight)×\(kernelWidth) s\(stride) p\(padding)"
    }
}
