import Testing
import ScratchNet
import ScratchNetTestSupport

/// Winograd F(2×2, 3×3) and F(4×4, 3×3), forced on every instruction set
/// the CPU runs, at 1 and 2 threads, against the naive Swift convolution on odd shapes
/// (channels 16/17/33, sides 1/5/7/28, paddings 0–2, batches 1/7/100): the
/// forward, the input gradient (the transposed convolution's forward) and the
/// weight gradient (through the same tiles). A set the CPU lacks is skipped and named.
///
/// Error bound: Winograd sums other terms than the direct product (its
/// transforms add and halve tile entries before the channel sums), so its
/// rounding is bounded by the size of the terms, not of the result:
/// |winograd − naive| ≤ ``relativeBound`` · Σ|w|·|x| (+ |b|) per output,
/// the magnitude being the naive convolution of the absolute values (for dW,
/// Σ|x|·|dout|, see ``weightGradientBound(_:)``).
@Suite("Winograd convolution kernels")
struct WinogradKernelTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    /// 2⁻¹⁹ ≈ 1.9e-6: 32 units of 2⁻²⁴ (float32 rounding) of the magnitude; the largest
    /// seen on these shapes is about 3.1e-7 (5 units), on every instruction set.
    static let relativeBound: Float = 1.0 / 524_288

    /// F(4×4, 3×3) rounds more: its transforms scale tile entries by up to
    /// 5 and 8 and its sixths are inexact. 2⁻¹⁶ ≈ 1.5e-5: 256 units; the
    /// largest seen on these shapes is about 3.6e-6 (61 units).
    static let relativeBound4x4: Float = 1.0 / 65_536

    /// The weight gradient sums N·OH·OW products per weight, in another order
    /// than the naive loops: the bound grows with that count (2⁻²⁴ per term),
    /// never below ``relativeBound``.
    static func weightGradientBound(_ g: WindowGeometry) -> Float {
        max(relativeBound, Float(g.windowCount) / 16_777_216)
    }

    /// (batch, channels, height, width, padding, filters); 3×3 kernels, stride 1.
    static let shapes: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 16, 1, 1, 1, 16), (7, 17, 5, 7, 0, 9), (7, 33, 7, 5, 2, 17), (100, 16, 7, 7, 1, 20),
        (1, 17, 28, 28, 1, 16), (7, 16, 28, 28, 2, 5), (100, 33, 5, 1, 1, 7), (7, 17, 1, 7, 2, 33),
    ]

    // Only the kernels this CPU runs (GEMMMicroKernelTests names the others).
    @Test(arguments: GEMMMicroKernel.supported, [ConvolutionAlgorithm.winograd, .winograd4x4])
    func winogradEqualsNaiveWithinTheBound(kernel: GEMMMicroKernel, algorithm: ConvolutionAlgorithm) throws {
        let bound = algorithm == .winograd ? Self.relativeBound : Self.relativeBound4x4
        for (batch, channels, height, width, padding, filters) in Self.shapes {
            let g = WindowGeometry(batch: batch, channels: channels, height: height, width: width,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
            let inputCount = batch * channels * height * width, outputCount = batch * filters * g.outputPixels
            let weightCount = filters * g.windowSize
            var x = [Float](repeating: 0, count: inputCount), w = [Float](repeating: 0, count: weightCount)
            var bias = [Float](repeating: 0, count: filters), dout = [Float](repeating: 0, count: outputCount)
            fillUniform(&x, count: inputCount, seed: 41)
            fillUniform(&w, count: weightCount, seed: 42)
            fillUniform(&bias, count: filters, seed: 43)
            fillUniform(&dout, count: outputCount, seed: 44)
            // The oracle, and the magnitudes: the same convolution of absolute values.
            let (out0, dw0, db0, dx0) = naiveConvolution(x, w, bias, dout, g, filters)
            let (outSize, dwSize, _, dxSize) = naiveConvolution(x.map(abs), w.map(abs), bias.map(abs), dout.map(abs),
                                                          g, filters)
            let scratchCount = max(fast.convolutionScratchCount(geometry: g, filters: filters), 1)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            var byThreads: [[[Float]]] = []
            for threads in [1, 2] {
                scratch.update(repeating: .nan, count: scratchCount)  // stale scratch must never be read
                var out = [Float](repeating: .nan, count: outputCount), dw = [Float](repeating: .nan, count: weightCount)
                var db = [Float](repeating: .nan, count: filters), dx = [Float](repeating: .nan, count: inputCount)
                fast.convolutionForward(using: kernel, algorithm: algorithm, threads: threads, x, weight: w, bias: bias,
                                        into: &out, scratch: scratch, geometry: g, filters: filters)
                fast.convolutionBackward(using: kernel, algorithm: algorithm, threads: threads, x, weight: w,
                                         gradOutput: dout, weightGradient: &dw, biasGradient: &db, inputGradient: &dx,
                                         scratch: scratch, geometry: g, filters: filters)
                let outError = Self.worstRelativeToMagnitude(out, out0, outSize)
                let dxError = Self.worstRelativeToMagnitude(dx, dx0, dxSize)
                #expect(outError <= bound, "\(kernel) \(algorithm) out \(g) FN \(filters) at \(threads) threads: \(outError)")
                #expect(dxError <= bound, "\(kernel) \(algorithm) dx \(g) FN \(filters) at \(threads) threads: \(dxError)")
                let dwError = Self.worstRelativeToMagnitude(dw, dw0, dwSize)
                let dbError = maxRelativeDifference(db, db0, count: filters, floor: 1)
                #expect(dwError <= Self.weightGradientBound(g), "\(kernel) dW \(g) FN \(filters) at \(threads) threads: \(dwError)")
                #expect(dbError <= Tolerance.kernel(k: g.windowCount), "\(kernel) db \(g): \(dbError)")
                byThreads.append([out, dw, db, dx])
            }
            #expect(byThreads[0] == byThreads[1], "\(kernel) \(algorithm): 1 and 2 threads differ for \(g) FN \(filters)")
        }
    }

    /// The automatic choice on deep-cnn's layers (see conv.c's
    /// `winograd_pays`): direct for the first (1 → 16), Winograd for the rest,
    /// 16 → 16 on 28×28 included (4×4 tiles; 2×2 ones would lose to the direct
    /// product there); the input gradients judged as their transposed
    /// convolutions (FN → C channels). A 16 → 16 layer on 6×6, where 2×2
    /// tiles would run, stays direct.
    @Test func automaticChoiceOnDeepCNN() {
        // (channels, side, filters, padding, forward, input gradient)
        let layers = [(1, 28, 16, 1, false, false), (16, 28, 16, 1, true, true), (16, 14, 32, 1, true, true),
                      (32, 14, 32, 2, true, true), (32, 8, 64, 1, true, true), (64, 8, 64, 1, true, true),
                      (16, 6, 16, 1, false, false)]
        for (channels, side, filters, padding, forward, inputGradient) in layers {
            let g = WindowGeometry(batch: 100, channels: channels, height: side, width: side,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
            #expect(fast.convolutionUsesWinograd(geometry: g, filters: filters, inputGradient: false) == forward, "\(g)")
            #expect(fast.convolutionUsesWinograd(geometry: g, filters: filters, inputGradient: true) == inputGradient,
                    "\(g)")
        }
    }

    /// 4×4 tiles where they need at most 0.8 of 2×2 tiles' products
    /// (36 per 4×4 tile, 16 per 2×2 tile, counting tiles that stick out):
    /// fast-cnn's and deep-cnn's 14×14, 8×8 and 7×7 outputs and their input
    /// gradients, and 3×10 (108 against 160 products: 0.675); 2×2 tiles on
    /// 6×6 and 5×5 outputs (144 against 144 products each). Batch 1: direct.
    @Test func automaticTileSide() {
        // (side or (height, width), filters, padding, tile of the forward)
        let layers: [(Int, Int, Int, Int, Int)] = [(14, 14, 48, 1, 4), (7, 7, 96, 1, 4), (8, 8, 64, 1, 4),
                                                   (14, 14, 32, 2, 4), (6, 6, 32, 1, 2), (5, 5, 32, 1, 2),
                                                   (3, 10, 32, 1, 4)]
        for (height, width, filters, padding, tile) in layers {
            let g = WindowGeometry(batch: 100, channels: 32, height: height, width: width,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
            #expect(fast.convolutionWinogradTile(geometry: g, filters: filters, inputGradient: false) == tile, "\(g)")
        }
        // The input gradient of a 16×16 → 14×14 layer (pad 0) is a 14×14 → 16×16 convolution: 4×4 tiles.
        let g = WindowGeometry(batch: 100, channels: 32, height: 16, width: 16, kernelHeight: 3, kernelWidth: 3,
                               stride: 1, padding: 0)
        #expect(fast.convolutionWinogradTile(geometry: g, filters: 32, inputGradient: true) == 4)
        #expect(fast.convolutionWinogradTile(geometry: WindowGeometry(batch: 1, channels: 32, height: 8, width: 8,
                                                                      kernelHeight: 3, kernelWidth: 3, stride: 1,
                                                                      padding: 1), filters: 32, inputGradient: false) == 0)
    }

    /// Below 32 images the weights' transform costs more than Winograd
    /// saves: batches of 1 and 31 run every deep-cnn layer direct, 32 does not.
    @Test func automaticChoiceRunsSmallBatchesDirect() {
        for (batch, winograd) in [(1, false), (31, false), (32, true)] {
            let g = WindowGeometry(batch: batch, channels: 64, height: 8, width: 8,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
            #expect(fast.convolutionUsesWinograd(geometry: g, filters: 64, inputGradient: false) == winograd, "\(g)")
            #expect(fast.convolutionUsesWinograd(geometry: g, filters: 64, inputGradient: true) == winograd, "\(g)")
        }
    }

    /// Forcing Winograd where it cannot run is refused, not computed wrong:
    /// 5×5 kernels, stride 2, and an input gradient with padding 3 (its
    /// transposed convolution would need padding −1).
    @Test func winogradIsOnlyFor3x3Stride1() {
        #expect(!fast.convolutionUsesWinograd(geometry: WindowGeometry(batch: 4, channels: 32, height: 8, width: 8,
                                                                        kernelHeight: 5, kernelWidth: 5, stride: 1,
                                                                        padding: 2), filters: 32, inputGradient: false))
        #expect(!fast.convolutionUsesWinograd(geometry: WindowGeometry(batch: 4, channels: 32, height: 8, width: 8,
                                                                        kernelHeight: 3, kernelWidth: 3, stride: 2,
                                                                        padding: 1), filters: 32, inputGradient: false))
        #expect(!fast.convolutionUsesWinograd(geometry: WindowGeometry(batch: 4, channels: 32, height: 8, width: 8,
                                                                        kernelHeight: 3, kernelWidth: 3, stride: 1,
                                                                        padding: 3), filters: 32, inputGradient: true))
    }

    /// A deep-cnn-shaped network (six 3×3 convolutions 16/16/32/32/64/64,
    /// ReLU, three poolings, two affine layers) trained by SGD for a few
    /// steps from the same weights with every convolution forced to
    /// Winograd and forced direct: the losses agree to float32 noise (at most
    /// 1.5e-7 relative with 2×2 tiles, 4.2e-7 with 4×4 ones), far below how
    /// much they fall (by half). The step is small enough that no step
    /// overshoots: with 0.01 the loss first rises, and a rounding
    /// difference anywhere (even in the bias gradient's order of sums)
    /// grows to a few 1e-3 within 12 steps.
    @Test(arguments: [ConvolutionAlgorithm.winograd, .winograd4x4])
    func deepCNNTrainsAlikeThroughWinogradAndDirect(algorithm: ConvolutionAlgorithm) throws {
        let winograd = try trainingLosses(FastKernels(threads: 2, convolutionAlgorithm: algorithm))
        let direct = try trainingLosses(FastKernels(threads: 2, convolutionAlgorithm: .direct))
        #expect(direct.last! < 0.7 * direct.first!, "the loss should fall: \(direct)")
        for (a, b) in zip(winograd, direct) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(algorithm) \(winograd) vs direct \(direct)")
        }
    }

    // MARK: - helpers

    func naiveConvolution(_ x: [Float], _ w: [Float], _ bias: [Float], _ dout: [Float], _ g: WindowGeometry,
                          _ filters: Int) -> ([Float], [Float], [Float], [Float]) {
        var out = [Float](repeating: 0, count: dout.count), dw = [Float](repeating: 0, count: w.count)
        var db = [Float](repeating: 0, count: filters), dx = [Float](repeating: 0, count: x.count)
        let scratch = [Float](repeating: 0, count: max(naive.convolutionScratchCount(geometry: g, filters: filters), 1))
        scratch.withUnsafeBufferPointer { s in
            let p = UnsafeMutablePointer(mutating: s.baseAddress!)
            naive.convolutionForward(x, weight: w, bias: bias, into: &out, scratch: p, geometry: g, filters: filters)
            naive.convolutionBackward(x, weight: w, gradOutput: dout, weightGradient: &dw, biasGradient: &db,
                                      inputGradient: &dx, scratch: p, geometry: g, filters: filters)
        }
        return (out, dw, db, dx)
    }

    /// max |a − b| / magnitude over all entries (magnitude floored at the
    /// smallest normal float, so an all-zero window needs an exact zero).
    static func worstRelativeToMagnitude(_ a: [Float], _ b: [Float], _ magnitude: [Float]) -> Float {
        var worst: Float = 0
        for i in a.indices {
            if a[i].isNaN { return .infinity }
            worst = max(worst, abs(a[i] - b[i]) / max(magnitude[i], .leastNormalMagnitude))
        }
        return worst
    }

    /// The losses of 12 SGD steps (learning rate 0.003) on one fixed batch of
    /// 20 random 1×28×28 images.
    func trainingLosses(_ kernels: FastKernels) throws -> [Float] {
        let batch = 20
        var layers: [any Layer] = []
        var shape = Shape(1, 28, 28)
        func add(_ layer: any Layer) { layers.append(layer); shape = layer.outputShape }
        for (index, (filters, padding)) in [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)].enumerated() {
            let conv = Conv2D(inputShape: shape, filters: filters, kernel: 3, padding: padding,
                              initializer: .he, kernels: kernels)
            conv.computesInputGradient = index > 0
            add(conv)
            add(ReLU(inputShape: shape, kernels: kernels))
            if index % 2 == 1 { add(MaxPool(inputShape: shape, size: 2, stride: 2, padding: 0, kernels: kernels)) }
        }
        add(Affine(inputShape: shape, outputs: 50, initializer: .he, kernels: kernels))
        add(ReLU(inputShape: shape, kernels: kernels))
        add(Affine(inputShape: shape, outputs: 10, initializer: .he, kernels: kernels))
        let loss = SoftmaxWithLoss(classes: 10, kernels: kernels)
        let arena = try Arena(capacity: 256 << 20, gradientCapacity: 4 << 20)
        for layer in layers { try layer.bind(to: arena, maxBatch: batch) }
        try loss.bind(to: arena, maxBatch: batch)
        var rng = SeededGenerator(seed: 7)
        for layer in layers { layer.initializeParameters(using: &rng) }
        let input = try arena.allocate(Shape(batch, 1, 28, 28), name: "images")
        fillUniform(input.pointer, count: input.count, seed: 8, in: 0...1)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)  // read again by loss.backward
        defer { labels.deallocate() }
        for i in 0..<batch { labels[i] = Int32(i % 10) }
        var losses: [Float] = []
        for _ in 0..<12 {
            var y = input
            for layer in layers { y = layer.forward(y, training: true) }
            losses.append(loss.forward(y, labels: labels))
            var grad = loss.backward()
            for layer in layers.reversed() { grad = layer.backward(grad) }
            for layer in layers {
                for p in layer.parameters {
                    for i in 0..<p.value.count { p.value.pointer[i] -= 0.003 * p.gradient.pointer[i] }
                }
            }
        }
        return losses
    }
}
