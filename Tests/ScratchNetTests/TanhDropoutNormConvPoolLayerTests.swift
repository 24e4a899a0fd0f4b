import Testing
import ScratchNet
import ScratchNetTestSupport

/// The curriculum's remaining layers: backward against central differences,
/// on both backends (tolerance: ``Tolerance/gradient``).
@Suite("Layers Tanh, Dropout, BatchNorm, Conv2D, MaxPool and Flatten: gradients and behaviour")
struct TanhDropoutNormConvPoolLayerTests {
    @Test(arguments: Backend.allCases)
    func tanhBackwardMatchesNumericalGradient(backend: Backend) throws {
        let layer = Tanh(inputShape: Shape(3, 11), kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 4, inputRange: -2...2)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test(arguments: Backend.allCases)
    func dropoutBackwardMatchesNumericalGradientWithAFixedMask(backend: Backend) throws {
        let layer = Dropout(inputShape: Shape(37), ratio: 0.4, kernels: backend.kernels)
        // The same mask for every forward: the generator is reset each time.
        let report = try LayerGradientCheck.check(layer, batch: 5, beforeForward: {
            layer.generator = SeededGenerator(seed: 99)
        })
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test func dropoutIsInvertedInTrainingAndIdentityAtInference() throws {
        let layer = Dropout(inputShape: Shape(1000), ratio: 0.3, kernels: FastKernels())
        let arena = try Arena(capacity: 1 << 16)
        try layer.bind(to: arena, maxBatch: 2)
        var rng = SeededGenerator(seed: 1)
        layer.initializeParameters(using: &rng)
        let x = try arena.allocate(Shape(2, 1000), name: "x")
        x.fill(1)
        let y = layer.forward(x, training: true).toArray()
        let kept = y.filter { $0 != 0 }
        // Kept units are scaled by 1/(1 − 0.3); about 70% are kept (±5 σ of a binomial(2000, .7)).
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        let sigma: Double = (2000.0 * 0.7 * 0.3).squareRoot()
        let deviation: Double = abs(Double(kept.count) - 1400)
        #expect(deviation < 5 * sigma, "\(kept.count) kept")
        #expect(layer.forward(x, training: false).toArray() == x.toArray())
    }

    @Test func dropoutMasksAreFixedByTheNetworkSeed() throws {
        func mask(seed: UInt64) throws -> [Float] {
            let spec = NetworkSpec(inputShape: [20], layers: [.dropout(ratio: 0.5), .affine(outputs: 2)])
            let network = try Network(spec: spec, maxBatch: 3, seed: seed)
            network.inputBuffer.fill(1)
            return network.layers[0].forward(network.inputBuffer, training: true).toArray()
        }
        #expect(try mask(seed: 4) == mask(seed: 4))
        #expect(try mask(seed: 4) != mask(seed: 5))
    }

    @Test(arguments: Backend.allCases)
    func denseBatchNormBackwardMatchesNumericalGradient(backend: Backend) throws {
        // 37 features: two 16-wide SIMD blocks and 5 leftover features.
        let layer = BatchNorm(inputShape: Shape(37), kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 6, inputRange: -2...2)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
        #expect(report.parameters.keys.sorted() == ["beta", "gamma"])
    }

    @Test(arguments: Backend.allCases)
    func imageBatchNormBackwardMatchesNumericalGradient(backend: Backend) throws {
        let layer = BatchNorm(inputShape: Shape(3, 5, 7), kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 4, inputRange: -2...2)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    /// BatchNorm applying the ReLU after it, as a network runs BatchNorm → ReLU.
    /// Inputs in ±[1, 2] (kinkGap 1) normalize to |xhat| ≳ 0.5, so with gamma
    /// near 1 and beta near 0 no pre-activation lies within a step of the kink.
    /// Where the ReLU is closed, dx is only the batch statistics' share
    /// (~1/(N·S) of an open entry's), which float32 differences resolve to
    /// ~1e-4: hence a floor of 1e-2 on the relative error's denominator.
    @Test(arguments: Backend.allCases, [Shape(37), Shape(3, 5, 7)])
    func batchNormWithFusedReLUBackwardMatchesNumericalGradient(backend: Backend, shape: Shape) throws {
        let layer = BatchNorm(inputShape: shape, kernels: backend.kernels)
        layer.appliesReLU = true
        let report = try LayerGradientCheck.check(layer, batch: 4, inputRange: -2...2, floor: 1e-2, kinkGap: 1)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test func aNetworkLetsEachBatchNormApplyTheReLUAfterIt() throws {
        let spec = NetworkSpec(inputShape: [1, 6, 6], layers: [
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu,
            .flatten, .affine(outputs: 8), .batchNorm, .tanh, .affine(outputs: 8), .relu, .affine(outputs: 2),
        ])
        let network = try Network(spec: spec, maxBatch: 4, seed: 1)
        let norms = network.layers.compactMap { $0 as? BatchNorm }
        #expect(norms.map(\.appliesReLU) == [true, false])
        let relus = network.layers.compactMap { $0 as? ReLU }
        #expect(relus.map(\.isAppliedByNeighbour) == [true, false])
    }

    @Test func aMaxPoolAppliesTheReLUBeforeItUnlessABatchNormDoes() throws {
        let spec = NetworkSpec(inputShape: [1, 8, 8], layers: [
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: 1), .relu, .maxPool(size: 2, stride: 2),
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu, .maxPool(size: 2, stride: 2),
            .flatten, .affine(outputs: 2),
        ])
        let network = try Network(spec: spec, maxBatch: 4, seed: 1)
        #expect(network.layers.compactMap { $0 as? MaxPool }.map(\.appliesReLUToInput) == [true, false])
        #expect(network.layers.compactMap { $0 as? BatchNorm }.map(\.appliesReLU) == [true])
        #expect(network.layers.compactMap { $0 as? ReLU }.map(\.isAppliedByNeighbour) == [true, true])
    }

    @Test func imageBatchNormNormalizesPerChannelAndTracksRunningStatistics() throws {
        let layer = BatchNorm(inputShape: Shape(2, 3, 3), kernels: FastKernels())
        let arena = try Arena(capacity: 1 << 16, gradientCapacity: 1024)
        try layer.bind(to: arena, maxBatch: 4)
        var rng = SeededGenerator(seed: 1)
        layer.initializeParameters(using: &rng)
        let x = try arena.allocate(Shape(4, 2, 3, 3), name: "x")
        fillUniform(x.pointer, count: x.count, seed: 2, in: 1...5)
        let y = layer.forward(x, training: true)
        for c in 0..<2 {
            var values: [Float] = []
            for n in 0..<4 { for s in 0..<9 { values.append(y.pointer[(n * 2 + c) * 9 + s]) } }
            let mean = values.reduce(0, +) / Float(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-4, "channel \(c): mean \(mean), var \(variance)")
        }
        let state = layer.persistentState
        #expect(state.map(\.name) == ["running_mean", "running_var"])
        // Running mean after one step from zero: 0.1 · batch mean (momentum 0.9), which is in [0.1, 0.5].
        #expect(state[0].tensor.toArray().allSatisfy { (0.1...0.5).contains($0) })
    }

    /// Conv with stride 1 and 2, padding 0 and 1, odd sizes and non-square inputs.
    @Test(arguments: [
        (Shape(1, 5, 5), 2, 3, 1, 0), (Shape(3, 7, 5), 4, 3, 2, 1), (Shape(2, 6, 7), 3, 2, 2, 0),
        (Shape(3, 5, 5), 5, 5, 1, 1), (Shape(1, 4, 4), 1, 1, 1, 0),
    ] as [(Shape, Int, Int, Int, Int)], Backend.allCases)
    func convBackwardMatchesNumericalGradient(shapeAndSizes: (Shape, Int, Int, Int, Int), backend: Backend) throws {
        let (shape, filters, kernel, stride, padding) = shapeAndSizes
        let layer = Conv2D(inputShape: shape, filters: filters, kernel: kernel, stride: stride, padding: padding,
                           initializer: .xavier, kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 3)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
        #expect(report.parameters.keys.sorted() == ["bias", "weight"])
    }

    @Test func firstConvSkipsTheInputGradient() throws {
        let layer = Conv2D(inputShape: Shape(1, 6, 6), filters: 2, kernel: 3, initializer: .he, kernels: FastKernels())
        layer.computesInputGradient = false
        let report = try LayerGradientCheck.check(layer, batch: 2)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    /// Pool windows: non-overlapping, overlapping, padded, uneven coverage.
    /// Inputs are distinct random values, so no window has a tie within h.
    @Test(arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 0), (4, 3, 2)] as [(Int, Int, Int)], Backend.allCases)
    func maxPoolBackwardMatchesNumericalGradient(sizes: (Int, Int, Int), backend: Backend) throws {
        let (size, stride, padding) = sizes
        let layer = MaxPool(inputShape: Shape(3, 7, 6), size: size, stride: stride, padding: padding,
                            kernels: backend.kernels)
        // h = 1e-3 keeps a perturbed value from overtaking a neighbour (gaps
        // between 126 uniform values are rarely that small; this seed has none).
        let report = try LayerGradientCheck.check(layer, batch: 2, seed: 3, step: 1e-3)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    /// MaxPool applying the ReLU before it, as a network runs ReLU → MaxPool;
    /// inputs kept 0.05 from the kink, so whole windows below 0 give 0 both ways.
    @Test(arguments: [(2, 2, 0), (3, 2, 1)], Backend.allCases)
    func maxPoolWithFusedReLUBackwardMatchesNumericalGradient(sizes: (Int, Int, Int), backend: Backend) throws {
        let (size, stride, padding) = sizes
        let layer = MaxPool(inputShape: Shape(3, 7, 6), size: size, stride: stride, padding: padding,
                            kernels: backend.kernels)
        layer.appliesReLUToInput = true
        let report = try LayerGradientCheck.check(layer, batch: 2, seed: 3, step: 1e-3, kinkGap: 0.05)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test func flattenPassesValuesAndGradientsThrough() throws {
        let layer = Flatten(inputShape: Shape(2, 3, 4))
        #expect(layer.outputShape == Shape(24))
        let report = try LayerGradientCheck.check(layer, batch: 3)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }
}
