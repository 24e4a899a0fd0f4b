import Testing
import ScratchNet
import ScratchNetTestSupport

/// The training techniques of the fast recipe, each on its own: label
/// smoothing (C against naive, and against numerical gradients), AdamW,
/// warmup and one-cycle schedules, crops, flip-averaged scoring and the
/// fast-cnn preset.
@Suite("Recipe techniques", .serialized)
struct RecipeTechniqueTests {
    let naive = NaiveKernels()

    // MARK: label smoothing

    /// Fast equals naive for ε in {0.1, 0.3} on odd shapes, at 1 and 2
    /// threads. Tolerance 1e-5 relative: both sum ≤ 100 terms in Float in
    /// different orders (a few ulp each).
    @Test func smoothedCrossEntropyFastMatchesNaiveOnOddShapes() {
        for threads in [1, 2] {
            let fast = FastKernels(threads: threads)
            for rows in [1, 7, 33, 100, 4000] { for cols in [1, 7, 10, 33, 100] { for eps: Float in [0.1, 0.3] {
                let n = rows * cols
                var logits = [Float](repeating: 0, count: n)
                logits.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: n, seed: UInt64(rows * 100 + cols), in: -20...20) }
                var rng = SeededGenerator(seed: 5)
                var labels = (0..<rows).map { _ in Int32(rng.nextInt(below: cols)) }
                var p1 = [Float](repeating: 0, count: n), p2 = p1
                let l1 = fast.softmaxCrossEntropy(logits: logits, labels: &labels, smoothing: eps, probs: &p1, rows: rows, cols: cols)
                let l2 = naive.softmaxCrossEntropy(logits: logits, labels: &labels, smoothing: eps, probs: &p2, rows: rows, cols: cols)
                #expect(abs(l1 - l2) <= 1e-5 * max(1, abs(l2)), "loss \(rows)×\(cols) ε \(eps): \(l1) vs \(l2)")
                fast.softmaxCrossEntropyBackward(probs: p1, labels: labels, smoothing: eps, dlogits: &p1, rows: rows, cols: cols)
                naive.softmaxCrossEntropyBackward(probs: p2, labels: labels, smoothing: eps, dlogits: &p2, rows: rows, cols: cols)
                #expect(maxRelativeDifference(p1, p2, count: n, floor: 1e-6) <= 1e-5, "gradient \(rows)×\(cols) ε \(eps)")
            } } }
        }
    }

    /// ε = 0 is the plain loss; the smoothed loss is Σ t·(lse − z) with the
    /// smoothed target, checked here against CrossEntropy with explicit targets.
    @Test func smoothedLossEqualsCrossEntropyAgainstSmoothedTargets() {
        let fast = FastKernels()
        let (rows, cols, eps): (Int, Int, Float) = (33, 10, 0.1)
        var logits = [Float](repeating: 0, count: rows * cols)
        logits.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: rows * cols, seed: 9, in: -5...5) }
        var labels = (0..<rows).map { Int32($0 % cols) }
        var targets = [Float](repeating: eps / Float(cols), count: rows * cols)
        for r in 0..<rows { targets[r * cols + Int(labels[r])] += 1 - eps }
        var probs = [Float](repeating: 0, count: rows * cols)
        let plain = fast.softmaxCrossEntropy(logits: logits, labels: &labels, probs: &probs, rows: rows, cols: cols)
        let zero = fast.softmaxCrossEntropy(logits: logits, labels: &labels, smoothing: 0, probs: &probs, rows: rows, cols: cols)
        #expect(abs(plain - zero) <= 1e-6 * max(1, plain))
        let smoothed = fast.softmaxCrossEntropy(logits: logits, labels: &labels, smoothing: eps, probs: &probs, rows: rows, cols: cols)
        let reference = fast.softmaxCrossEntropy(logits: logits, targets: targets, probs: &probs, rows: rows, cols: cols)
        #expect(abs(smoothed - reference) <= 1e-5 * max(1, reference), "\(smoothed) vs \(reference)")
    }

    /// The backward is the derivative of the forward: central differences
    /// in Double of the naive loss (computed in Float; h = 1e-2 keeps the
    /// Float rounding of the loss, ~1e-7, at 1e-5 of the difference).
    @Test(arguments: [FastKernels() as any Kernels, NaiveKernels() as any Kernels])
    func smoothedGradientMatchesNumericalDifferences(kernels: any Kernels) {
        let (rows, cols, eps): (Int, Int, Float) = (7, 10, 0.1)
        var logits = [Float](repeating: 0, count: rows * cols)
        logits.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: rows * cols, seed: 21, in: -3...3) }
        var labels = (0..<rows).map { Int32(($0 * 3) % cols) }
        var probs = [Float](repeating: 0, count: rows * cols)
        _ = kernels.softmaxCrossEntropy(logits: logits, labels: &labels, smoothing: eps, probs: &probs, rows: rows, cols: cols)
        var analytic = [Float](repeating: 0, count: rows * cols)
        kernels.softmaxCrossEntropyBackward(probs: probs, labels: labels, smoothing: eps, dlogits: &analytic, rows: rows, cols: cols)
        let h: Float = 1e-2
        for i in 0..<rows * cols {
            var plus = logits, minus = logits
            plus[i] += h; minus[i] -= h
            let lp = kernels.softmaxCrossEntropy(logits: plus, labels: &labels, smoothing: eps, probs: &probs, rows: rows, cols: cols)
            let lm = kernels.softmaxCrossEntropy(logits: minus, labels: &labels, smoothing: eps, probs: &probs, rows: rows, cols: cols)
            let numeric = (Double(lp) - Double(lm)) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[i])) <= 2e-4, "logit \(i): numeric \(numeric) vs \(analytic[i])")
        }
    }

    // MARK: AdamW

    /// With zero gradients Adam's update is 0, so one AdamW step multiplies
    /// every weight by exactly 1 − lr·λ and leaves biases alone.
    @Test(arguments: [Backend.fast, .naive])
    func adamWDecaysWeightsButNotBiases(backend: Backend) throws {
        let optimizer = AdamW(learningRate: 0.01, weightDecay: 0.5)
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 4, backend: backend, optimizer: optimizer, seed: 3)
        for p in network.parameters { p.gradient.fill(0); if !p.decays { p.value.fill(0.25) } }
        let before = network.parameters.map { Array(UnsafeBufferPointer(start: $0.value.pointer, count: $0.value.count)) }
        optimizer.update(network.parameters)
        let keep: Float = 1 - 0.01 * 0.5
        for (p, old) in zip(network.parameters, before) {
            let now = Array(UnsafeBufferPointer(start: p.value.pointer, count: p.value.count))
            #expect(now == old.map { p.decays ? $0 * keep : $0 }, "\(p.name)")
        }
        #expect(optimizer.stepCount == 1)
        #expect(Set(optimizer.stateTensors.map(\.name)) == Set(network.parameters.flatMap { ["\($0.name).m", "\($0.name).v"] }))
    }

    /// λ = 0 is Adam, bit for bit, over a few steps of real gradients.
    @Test func adamWWithoutDecayIsAdam() throws {
        let data = randomLabeledImages(count: 16, shape: [1, 8, 8], seed: 4)
        func weights(_ optimizer: any Optimizer) throws -> [[Float]] {
            let network = try Network(spec: Preset.twoLayer.spec(inputShape: [1, 8, 8]), maxBatch: 16, optimizer: optimizer, seed: 1)
            let trainer = try Trainer(network: network, train: data, test: nil, options: .init(epochs: 2, batchSize: 8, seed: 1))
            _ = try trainer.run()
            return network.weightsSnapshot()
        }
        #expect(try weights(AdamW(learningRate: 0.01, weightDecay: 0)) == weights(Adam(learningRate: 0.01)))
        #expect(try weights(AdamW(learningRate: 0.01, weightDecay: 0.1)) != weights(Adam(learningRate: 0.01)))
    }

    @Test func adamWIsAnOptimizerKind() {
        #expect(OptimizerKind(argument: "AdamW") == .adamw)
        #expect(OptimizerKind.adamw.make().name == "adamw")
        #expect((OptimizerKind.adamw.make(decoupledWeightDecay: 0.2) as? AdamW)?.weightDecay == 0.2)
    }

    // MARK: schedules

    @Test func warmupRisesLinearlyThenFollowsItsSchedule() {
        let s = LearningRateSchedule.cosine(floor: 0).withWarmup(epochs: 2)
        let (spe, total) = (10, 100)
        for step in 0..<20 { #expect(abs(s.rate(base: 1, step: step, totalSteps: total, stepsPerEpoch: spe) - Float(step + 1) / 20) < 1e-6) }
        #expect(s.rate(base: 1, step: 20, totalSteps: total, stepsPerEpoch: spe) == 1)
        #expect(s.rate(base: 1, step: 100, totalSteps: total, stepsPerEpoch: spe) < 1e-6)
        let inner = LearningRateSchedule.cosine(floor: 0)
        #expect(s.rate(base: 1, step: 60, totalSteps: total, stepsPerEpoch: spe) == inner.rate(base: 1, step: 40, totalSteps: 80, stepsPerEpoch: spe))
    }

    @Test func oneCycleStartsLowPeaksAndEndsNearZero() {
        let s = LearningRateSchedule.oneCycle(peak: 0.25)
        func r(_ step: Int) -> Float { s.rate(base: 0.004, step: step, totalSteps: 1000, stepsPerEpoch: 100) }
        #expect(abs(r(0) - 0.004 / 25) < 1e-9)
        #expect(abs(r(250) - 0.004) < 1e-9)
        #expect(r(125) > r(0) && r(125) < r(250) && r(600) < r(250))
        #expect(r(1000) < 0.004 / 25 / 1e4 * 1.001)
        // A pure function of the step: what a resumed run relies on.
        #expect(r(617) == r(617))
    }

    @Test func schedulesReadBackTheirDescription() {
        for text in ["one-cycle", "one-cycle:0.4", "warmup:1.0+cosine", "warmup:0.5+step:3:0.5", "warmup:2.0+one-cycle", "warmup:1.0+constant"] {
            let s = LearningRateSchedule(argument: text)
            #expect(s != nil, "\(text)")
            #expect(s.flatMap { LearningRateSchedule(argument: $0.description) } == s, "\(text)")
        }
        #expect(LearningRateSchedule(argument: "warmup:1") == .warmup(epochs: 1, then: .constant))
        for bad in ["one-cycle:0", "one-cycle:1", "warmup:0+cosine", "warmup:x", "warmup:1+warmup:1", "warmup:1+bogus"] {
            #expect(LearningRateSchedule(argument: bad) == nil, "\(bad)")
        }
    }

    // MARK: crops

    @Test func cropIsAShiftWithZeroPadding() {
        #expect(Augmentation(argument: "crop:3") == Augmentation(maxShift: 3))
        #expect(Augmentation(argument: "flip,crop") == Augmentation(flip: true, maxShift: 2))
        #expect(Augmentation(argument: "crop:0") == nil)
    }

    /// Pad by P with zeros and cut a window at offset (P − dx, P − dy), by
    /// hand, equals the gathered transform in both backends, on odd sizes.
    @Test(arguments: [(1, 7, 7), (2, 7, 33), (1, 28, 28), (3, 33, 100)])
    func croppedGatherEqualsPaddingThenCropping(channels: Int, height: Int, width: Int) {
        let pad = 3
        let count = 5
        let images = randomLabeledImages(count: count, shape: [channels, height, width], seed: UInt64(width))
        let augmentation = Augmentation(flip: true, maxShift: pad)
        let indices: [Int32] = [4, 0, 2, 2, 1]
        let transforms = (0..<indices.count).map { augmentation.transform(seed: 7, step: 3, row: $0) }
        let n = channels * height * width
        for kernels in [FastKernels(threads: 2) as any Kernels, NaiveKernels()] {
            var out = [Float](repeating: -1, count: indices.count * n)
            images.withSamples(start: 0, count: count) { bytes in
                indices.withUnsafeBufferPointer { idx in
                    kernels.gatherBytesAugmented(bytes, indices: idx, transforms: transforms, channels: channels,
                                                 height: height, width: width, scale: 1, into: &out)
                }
                for (row, t) in transforms.enumerated() {
                    let (ox, oy) = (pad - t.dx, pad - t.dy)
                    for c in 0..<channels { for y in 0..<height { for x in 0..<width {
                        let (py, px) = (y + oy, x + ox)  // in the padded image
                        let (sy, sx) = (py - pad, px - pad)
                        var expected: Float = 0
                        if sy >= 0, sy < height, sx >= 0, sx < width {
                            let column = t.flip ? width - 1 - sx : sx
                            expected = Float(bytes[Int(indices[row]) * n + (c * height + sy) * width + column])
                        }
                        #expect(out[row * n + (c * height + y) * width + x] == expected, "\(kernels.name) row \(row) (\(c),\(y),\(x))")
                    } } }
                }
            }
        }
    }

    // MARK: flip averaging and the preset

    /// FlipAveraging's count equals the mean softmax of each image and its
    /// mirror, computed here one sample at a time.
    @Test func flipAveragingScoresTheMeanOfImageAndMirror() throws {
        let data = randomLabeledImages(count: 23, shape: [1, 6, 5], seed: 8)
        let network = try Network(spec: Preset.fastCNN.spec(inputShape: [1, 6, 5], hidden: [3, 4]), maxBatch: 10, optimizer: Adam(), seed: 2)
        var expected = 0
        for i in 0..<data.count {
            var probs: [[Float]] = []
            for flip in [false, true] {
                var index = [Int32(i)]
                let t = [ImageTransform(flip: flip)]
                index.withUnsafeBufferPointer { idx in
                    t.withUnsafeBufferPointer { data.fillBatch(indices: idx, transforms: $0, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels) }
                }
                let logits = network.forward(batch: 1, training: false)
                var p = [Float](repeating: 0, count: network.classes)
                network.kernels.softmax(logits.pointer, into: &p, rows: 1, cols: network.classes)
                probs.append(p)
            }
            let mean = zip(probs[0], probs[1]).map { $0 + $1 }
            if Network.argmax(mean, count: mean.count) == Int(network.labelBuffer[0]) { expected += 1 }
        }
        #expect(FlipAveraging.correctCount(of: network, on: data, rows: 0..<data.count) == expected)
    }

    @Test func fastCNNIsConvBatchNormReLUPoolBlocksAndAHiddenAffineHead() {
        let spec = Preset.fastCNN.spec()
        #expect(spec.layers.count == 3 * 4 + 3)
        #expect(spec.layers.prefix(4) == [.conv2d(filters: 24, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu, .maxPool(size: 2, stride: 2)])
        #expect(spec.layers.suffix(3) == [.affine(outputs: Preset.fastCNNHead), .relu, .affine(outputs: 10)])
        #expect(Preset.fastCNN.spec(hidden: [8, 16]).layers.count == 11)
    }

    /// A checkpoint restores fast-cnn's BatchNorm running statistics: a run
    /// stopped after one epoch and resumed ends with the weights and the
    /// statistics of the uninterrupted run.
    @Test func fastCNNResumesWithItsBatchNormStatistics() throws {
        let data = randomLabeledImages(count: 40, shape: [1, 8, 8], seed: 12)
        let spec = Preset.fastCNN.spec(inputShape: [1, 8, 8], hidden: [4, 6])
        let options = Trainer.Options(epochs: 2, batchSize: 10, seed: 5, schedule: .oneCycle(peak: 0.3),
                                      augmentation: Augmentation(flip: true, maxShift: 2))
        func make() throws -> Trainer {
            var o = options
            o.labelSmoothing = 0.1
            let network = try Network(spec: spec, maxBatch: 10, optimizer: AdamW(learningRate: 0.01, weightDecay: 0.05), seed: 5)
            return try Trainer(network: network, train: data, test: data, options: o)
        }
        let whole = try make()
        _ = try whole.run()
        let directory = TemporaryDirectory()
        let path = directory.path("run.checkpoint")
        let first = try make()
        _ = try first.run(afterEpoch: { trainer in
            try Checkpoint.save(trainer, to: path)
            return false
        })
        let resumed = try make()
        try Checkpoint.restore(resumed, from: try SafeTensors.read(path: path))
        _ = try resumed.run()
        #expect(resumed.network.weightsSnapshot() == whole.network.weightsSnapshot())
        let state = { (t: Trainer) in t.network.layers.flatMap { $0.persistentState.flatMap { Array(UnsafeBufferPointer(start: $0.tensor.pointer, count: $0.tensor.count)) } } }
        #expect(state(resumed) == state(whole))
        #expect(state(whole).contains { $0 != 0 })
    }
}
