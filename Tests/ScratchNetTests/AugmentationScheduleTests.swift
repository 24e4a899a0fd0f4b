import Testing
import ScratchNet
import ScratchNetTestSupport

/// Data augmentation (flip + shift in the batch gather) and learning-rate
/// schedules: the fast gather equals the naive one, the transforms are seeded
/// and spread as documented, and a resumed run follows both exactly.
@Suite("Augmentation and learning-rate schedules", .serialized)
struct AugmentationScheduleTests {
    /// Gathers `indices` of `set` with `transforms` through the fast kernel (at
    /// `threads` threads) and the naive one.
    func gatherBoth(_ set: LabeledImages, _ indices: [Int32], _ transforms: [ImageTransform], threads: Int = 1) throws -> (fast: [Float], plain: [Float], fastLabels: [Int32], plainLabels: [Int32]) {
        let batch = indices.count
        let arena = try Arena(capacity: 2 * 4 * batch * set.samplePixels + 2 * 4 * batch + 1024)
        let fast = try arena.allocate(Shape(batch, set.samplePixels), name: "fast")
        let plain = try arena.allocate(Shape(batch, set.samplePixels), name: "plain")
        let fastLabels = try arena.allocateInt32(count: batch, name: "fast labels")
        let plainLabels = try arena.allocateInt32(count: batch, name: "plain labels")
        fast.pointer.update(repeating: .nan, count: fast.count)  // every pixel must be written
        indices.withUnsafeBufferPointer { ix in
            transforms.withUnsafeBufferPointer { tf in
                set.fillBatch(indices: ix, transforms: tf, into: fast, labels: fastLabels,
                              kernels: FastKernels(threads: threads))
                set.fillBatch(indices: ix, transforms: tf, into: plain, labels: plainLabels, kernels: NaiveKernels())
            }
        }
        return (fast.toArray(), plain.toArray(), Array(fastLabels), Array(plainLabels))
    }

    /// The oracle itself, on a 3×3 image worked out by hand.
    @Test func flipThenShiftMovesPixelsAsDocumented() throws {
        // 1 2 3 / 4 5 6 / 7 8 9 (×10 so that /255 stays exact enough to compare)
        let set = LabeledImages(pixels: (1...9).map { UInt8($0 * 10) }, labels: [4], sampleShape: [1, 3, 3], source: "3x3")
        let t = ImageTransform(flip: true, dx: 1, dy: -1)
        // flip: 3 2 1 / 6 5 4 / 9 8 7; then x+1 and y−1: 0 6 5 / 0 9 8 / 0 0 0
        let expected: [Float] = [0, 60, 50, 0, 90, 80, 0, 0, 0].map { $0 * (1 / 255 as Float) }
        let got = try gatherBoth(set, [0], [t])
        #expect(got.plain == expected)
        #expect(got.fast == expected)
        #expect(got.fastLabels == [4])
    }

    @Test(arguments: [([1, 28, 28], 100, 2), ([1, 5, 3], 7, 2), ([2, 7, 9], 33, 3), ([1, 1, 1], 1, 0), ([3, 4, 4], 17, 1)])
    func augmentedGatherEqualsPlainLoop(shape: [Int], batch: Int, shift: Int) throws {
        let set = randomLabeledImages(count: 150, shape: shape, seed: 5)
        var rng = SeededGenerator(seed: 9)
        let indices = (0..<Int32(set.count)).shuffled(using: &rng).prefix(batch).map { $0 }
        let augmentation = Augmentation(flip: true, maxShift: shift)
        let transforms = (0..<batch).map { augmentation.transform(seed: 3, step: 17, row: $0) }
        for threads in [1, 2] {  // rows are split over the threads above a grain size
            let got = try gatherBoth(set, indices, transforms, threads: threads)
            #expect(got.fast == got.plain, "\(threads) thread(s)")
            #expect(got.fastLabels == got.plainLabels)
        }
    }

    @Test func transformsAreSeededAndSpreadOverTheRange() {
        let a = Augmentation(flip: true, maxShift: 2)
        var flips = 0
        var dxs = Set<Int>(), dys = Set<Int>()
        for step in 0..<100 {
            for row in 0..<100 {
                let t = a.transform(seed: 42, step: step, row: row)
                let again = a.transform(seed: 42, step: step, row: row)
                #expect(t.flip == again.flip && t.dx == again.dx && t.dy == again.dy)
                flips += t.flip ? 1 : 0
                dxs.insert(t.dx)
                dys.insert(t.dy)
            }
        }
        #expect(dxs == [-2, -1, 0, 1, 2] && dys == [-2, -1, 0, 1, 2])
        #expect((4700...5300).contains(flips), "\(flips) flips in 10 000")
        let other = (0..<100).map { a.transform(seed: 43, step: 0, row: $0).dx }
        let this = (0..<100).map { a.transform(seed: 42, step: 0, row: $0).dx }
        #expect(other != this)
        let none = Augmentation.none.transform(seed: 1, step: 2, row: 3)
        #expect(none == .identity)
    }

    @Test func augmentationArgumentsRoundTrip() {
        for text in ["none", "flip", "shift:2", "flip,shift:3"] {
            #expect(Augmentation(argument: text)?.description == text)
        }
        #expect(Augmentation(argument: "shift") == Augmentation(maxShift: 2))
        for bad in ["", "flip,", "rotate", "shift:0", "shift:x", "shift:99", "flip:1"] {
            #expect(Augmentation(argument: bad) == nil, "\(bad)")
        }
    }

    @Test func cosineAndStepSchedulesGiveTheDocumentedRates() {
        let cosine = LearningRateSchedule.cosine(floor: 0)
        #expect(cosine.rate(base: 0.1, step: 0, totalSteps: 100, stepsPerEpoch: 10) == 0.1)
        #expect(abs(cosine.rate(base: 0.1, step: 50, totalSteps: 100, stepsPerEpoch: 10) - 0.05) < 1e-7)
        #expect(abs(cosine.rate(base: 0.1, step: 100, totalSteps: 100, stepsPerEpoch: 10)) < 1e-9)
        let floored = LearningRateSchedule.cosine(floor: 0.1)
        #expect(abs(floored.rate(base: 1, step: 100, totalSteps: 100, stepsPerEpoch: 10) - 0.1) < 1e-7)
        let step = LearningRateSchedule.step(epochs: 2, factor: 0.5)
        #expect(step.rate(base: 1, step: 19, totalSteps: 100, stepsPerEpoch: 10) == 1)
        #expect(step.rate(base: 1, step: 20, totalSteps: 100, stepsPerEpoch: 10) == 0.5)
        #expect(step.rate(base: 1, step: 45, totalSteps: 100, stepsPerEpoch: 10) == 0.25)
        #expect(LearningRateSchedule.constant.rate(base: 0.3, step: 77, totalSteps: 100, stepsPerEpoch: 10) == 0.3)
        for text in ["constant", "cosine", "cosine:0.1", "step:3:0.5"] {
            #expect(LearningRateSchedule(argument: text)?.description == text)
        }
        for bad in ["", "cosine:2", "step:0:0.5", "step:2:1.5", "step:2", "linear"] {
            #expect(LearningRateSchedule(argument: bad) == nil, "\(bad)")
        }
    }

    /// 230 random 1×6×6 samples; batches of 50 leave a last batch of 30.
    static let data: LabeledImages = {
        var rng = SeededGenerator(seed: 11)
        let labels = (0..<230).map { _ in UInt8(rng.nextInt(below: 3)) }
        let pixels = labels.flatMap { label in (0..<36).map { k in UInt8(k / 12 == Int(label) ? 150 + rng.nextInt(below: 100) : rng.nextInt(below: 100)) } }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 6, 6], source: "synthetic")
    }()

    func trainer(initSeed: UInt64, augmentation: Augmentation, schedule: LearningRateSchedule) throws -> Trainer {
        let spec = Preset.mlp.spec(inputShape: [1, 6, 6], classes: 3, hidden: [12])
        let network = try Network(spec: spec, maxBatch: 50, optimizer: Adam(learningRate: 0.01), seed: initSeed)
        return try Trainer(network: network, train: Self.data, test: nil,
                           options: .init(epochs: 3, batchSize: 50, seed: 4, schedule: schedule, augmentation: augmentation))
    }

    @Test func resumedAugmentedScheduledRunIsBitIdentical() throws {
        let augmentation = Augmentation(flip: true, maxShift: 1)
        let schedule = LearningRateSchedule.cosine(floor: 0)
        let whole = try trainer(initSeed: 1, augmentation: augmentation, schedule: schedule)
        _ = try whole.run()
        // The optimizer ran the last step at the cosine's last rate.
        let steps = 3 * whole.stepsPerEpoch
        #expect(whole.network.optimizer!.learningRate == whole.learningRate(atStep: steps - 1))
        #expect(whole.network.optimizer!.learningRate < 0.01 * 0.02)

        let dir = TemporaryDirectory()
        let path = dir.path("c.safetensors")
        let first = try trainer(initSeed: 1, augmentation: augmentation, schedule: schedule)
        _ = try first.run(afterStep: { t in
            guard t.globalStep == 6 else { return true }
            try Checkpoint.save(t, to: path)
            return false
        })
        let second = try trainer(initSeed: 77, augmentation: augmentation, schedule: schedule)
        try Checkpoint.restore(second, from: try SafeTensors.read(path: path))
        _ = try second.run()
        let bits = { (t: Trainer) in t.network.parameters.map { $0.value.toArray().map(\.bitPattern) } }
        #expect(bits(second) == bits(whole))

        // Augmentation changes what the network sees: other weights.
        let plain = try trainer(initSeed: 1, augmentation: .none, schedule: schedule)
        _ = try plain.run()
        #expect(bits(plain) != bits(whole))
    }

    @Test func resumingWithAnotherScheduleOrAugmentationIsRefused() throws {
        let trained = try trainer(initSeed: 1, augmentation: Augmentation(flip: true), schedule: .cosine(floor: 0))
        _ = try trained.run(afterStep: { $0.globalStep < 2 })
        let file = try SafeTensors(parsing: Checkpoint.encode(trained), path: "c")
        for (augmentation, schedule, flag) in [(Augmentation.none, LearningRateSchedule.cosine(floor: 0), "--augment flip"),
                                               (Augmentation(flip: true), .constant, "--lr-schedule cosine")] {
            let other = try trainer(initSeed: 1, augmentation: augmentation, schedule: schedule)
            #expect { try Checkpoint.restore(other, from: file) } throws: { "\($0)".contains("(pass \(flag))") }
        }
        let same = try trainer(initSeed: 5, augmentation: Augmentation(flip: true), schedule: .cosine(floor: 0))
        try Checkpoint.restore(same, from: file)
        #expect(same.globalStep == 2)
    }

    @Test func shiftAsLargeAsTheImageIsRefused() throws {
        let spec = Preset.mlp.spec(inputShape: [1, 6, 6], classes: 3, hidden: [4])
        let network = try Network(spec: spec, maxBatch: 50, optimizer: SGD(learningRate: 0.1), seed: 1)
        #expect(throws: TrainingError.self) {
            try Trainer(network: network, train: Self.data, test: nil,
                        options: .init(epochs: 1, batchSize: 50, seed: 1, augmentation: Augmentation(maxShift: 6)))
        }
    }
}
