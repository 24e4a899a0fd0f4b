import Testing
import ScratchNet
import ScratchNetTestSupport

/// The C convolution on every instruction set the CPU runs (portable vectors, AVX2+FMA,
/// AVX-512), forced one at a time, at 1 and 2 threads, against the naive Swift loops on odd
/// shapes: 1–3 channels, 3×3 and 5×5 kernels, paddings 0–2, strides 1 and 2, batches 1, 7
/// and 100. Stride 1 takes the shifted path (products read the padded image at row offsets;
/// the input gradient as the transposed convolution's forward where pad ≤ FH − 1, else
/// by scattering dcol), stride 2 the unfolding one (im2col, dW over groups of images). A set the CPU lacks is
/// skipped and named (see `GEMMMicroKernelTests.skippedKernelsAreNamed`).
@Suite("Convolution instruction sets")
struct ConvolutionInstructionSetTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    /// (batch, channels, height, width, kernel, stride, padding, filters).
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 1, 5, 5, 3, 1, 0, 1), (7, 2, 9, 7, 3, 1, 1, 5), (100, 3, 8, 8, 3, 1, 2, 7),
        (7, 3, 11, 13, 5, 1, 2, 3), (1, 2, 7, 9, 5, 2, 1, 17), (7, 1, 12, 11, 3, 2, 0, 6),
        (100, 1, 28, 28, 5, 1, 0, 30), (100, 3, 10, 10, 3, 2, 2, 16), (7, 3, 6, 6, 5, 1, 0, 33),
        (7, 1, 16, 16, 3, 1, 1, 16),
        // Padding past FH − 1 (the input gradient cannot be a transposed
        // convolution there: it scatters dcol), and a DeepConvNet-sized layer.
        (7, 3, 6, 7, 3, 1, 3, 5), (7, 2, 5, 6, 1, 1, 1, 3), (7, 16, 8, 8, 3, 1, 1, 32),
    ]

    // Only the kernels this CPU runs (GEMMMicroKernelTests names the others).
    @Test(arguments: GEMMMicroKernel.supported)
    func convolutionOnEachInstructionSetEqualsNaive(kernel: GEMMMicroKernel) throws {
        for (batch, channels, height, width, size, stride, padding, filters) in Self.shapes {
            let g = WindowGeometry(batch: batch, channels: channels, height: height, width: width,
                                   kernelHeight: size, kernelWidth: size, stride: stride, padding: padding)
            let inputCount = batch * channels * height * width
            let outputCount = batch * filters * g.outputPixels
            let weightCount = filters * g.windowSize
            var x = [Float](repeating: 0, count: inputCount), w = [Float](repeating: 0, count: weightCount)
            var bias = [Float](repeating: 0, count: filters), dout = [Float](repeating: 0, count: outputCount)
            fillUniform(&x, count: inputCount, seed: 31)
            fillUniform(&w, count: weightCount, seed: 32)
            fillUniform(&bias, count: filters, seed: 33)
            fillUniform(&dout, count: outputCount, seed: 34)
            // The oracle.
            var out0 = [Float](repeating: 0, count: outputCount), dw0 = [Float](repeating: 0, count: weightCount)
            var db0 = [Float](repeating: 0, count: filters), dx0 = [Float](repeating: 0, count: inputCount)
            let naiveScratch = [Float](repeating: 0, count: max(naive.convolutionScratchCount(geometry: g, filters: filters), 1))
            naiveScratch.withUnsafeBufferPointer { s in
                let p = UnsafeMutablePointer(mutating: s.baseAddress!)
                naive.convolutionForward(x, weight: w, bias: bias, into: &out0, scratch: p, geometry: g, filters: filters)
                naive.convolutionBackward(x, weight: w, gradOutput: dout, weightGradient: &dw0, biasGradient: &db0,
                                          inputGradient: &dx0, scratch: p, geometry: g, filters: filters)
            }
            let scratchCount = max(fast.convolutionScratchCount(geometry: g, filters: filters), 1)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            // Sums of K = C·FH·FW (out), N·OH·OW (dW, db) and FN·FH·FW (dx) terms in
            // another order; floor 1 because random-sign sums can cancel.
            let tolerances = [g.windowSize, g.windowCount, g.windowCount, filters * size * size]
                .map { Tolerance.kernel(k: $0) }
            var byThreads: [[[Float]]] = []
            for threads in [1, 2] {
                scratch.update(repeating: .nan, count: scratchCount)  // stale scratch must never be read
                var out = [Float](repeating: .nan, count: outputCount), dw = [Float](repeating: .nan, count: weightCount)
                var db = [Float](repeating: .nan, count: filters), dx = [Float](repeating: .nan, count: inputCount)
                fast.convolutionForward(using: kernel, threads: threads, x, weight: w, bias: bias, into: &out,
                                        scratch: scratch, geometry: g, filters: filters)
                fast.convolutionBackward(using: kernel, threads: threads, x, weight: w, gradOutput: dout,
                                         weightGradient: &dw, biasGradient: &db, inputGradient: &dx,
                                         scratch: scratch, geometry: g, filters: filters)
                let got = [out, dw, db, dx], expected = [out0, dw0, db0, dx0]
                for (i, name) in ["out", "dW", "db", "dx"].enumerated() {
                    let difference = maxRelativeDifference(got[i], expected[i], count: got[i].count, floor: 1)
                    #expect(difference <= tolerances[i],
                            "\(kernel) \(name) \(g) FN \(filters) at \(threads) threads: \(difference)")
                }
                byThreads.append(got)
            }
            #expect(byThreads[0] == byThreads[1], "\(kernel): 1 and 2 threads differ for \(g) FN \(filters)")
        }
    }

    /// The shifted path's backward (padding 2, larger than the book's 1; and a
    /// 5×5 kernel) against central differences, through the layer.
    @Test(arguments: [(Shape(2, 6, 5), 3, 3, 2), (Shape(1, 7, 7), 2, 5, 2), (Shape(3, 4, 6), 4, 3, 0)]
          as [(Shape, Int, Int, Int)])
    func shiftedConvBackwardMatchesNumericalGradient(sizes: (Shape, Int, Int, Int)) throws {
        let (shape, filters, kernel, padding) = sizes
        let layer = Conv2D(inputShape: shape, filters: filters, kernel: kernel, stride: 1, padding: padding,
                           initializer: .xavier, kernels: FastKernels())
        let report = try LayerGradientCheck.check(layer, batch: 3)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }
}
