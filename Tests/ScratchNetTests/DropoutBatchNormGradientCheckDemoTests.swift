import Testing
import ScratchNet

/// The chapter-5 to chapter-7 demos that complete the curriculum: dropout
/// against overfitting, BatchNorm against bad initial scales, and the
/// whole-network gradient checks.
@Suite("Demos: dropout against overfitting, BatchNorm against bad scales, whole-network gradient checks")
struct DropoutBatchNormGradientCheckDemoTests {
    static let data: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

    /// 150 epochs instead of the book's 301, tested on 2000 images: the
    /// plain 6×100 network memorises its 300 samples, and dropout 0.2 both
    /// keeps train accuracy below 100% and leaves a smaller train − test gap.
    /// The gap is a mean over the last 10 epochs (see ``OverfitDemo/Run/gap``).
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func dropoutNarrowsTheTrainTestGap() throws {
        let (train, test) = Self.data!
        let runs = try OverfitDemo.run(train: train, test: test.subset(0..<2000), epochs: 150,
                                       regularizations: [.none, .dropout(0.2)], evaluateEvery: 50)
        #expect(runs.map(\.regularization) == [.none, .dropout(0.2)])
        let (plain, dropout) = (runs[0], runs[1])
        #expect(plain.checkpoints.last!.trainAccuracy > 0.9, "\(plain.checkpoints.last!)")
        #expect(plain.gap > 0.1, "gap without dropout \(plain.gap)")
        #expect(dropout.gap < plain.gap - 0.02, "gap with dropout \(dropout.gap) vs \(plain.gap)")
        // Dropout still learns: far above the 10% of guessing.
        #expect(dropout.checkpoints.last!.testAccuracy > 0.5, "\(dropout.checkpoints.last!)")
        let lines = OverfitDemo.report(runs)
        #expect(lines.first == "no regularization:" && lines.contains("dropout 0.2:"))
    }

    /// Two of the book's bad scales, 10 epochs of 10 steps (the book: 16
    /// scales, 20 epochs). At std 0.01 the plain 5×100 ReLU net's signals
    /// vanish layer by layer and SGD at lr 0.01 does not move it (11.5%, one
    /// class); at std 1 its activations explode and the loss overflows.
    /// BatchNorm rescales every layer and learns from both.
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed"))
    func batchNormLearnsFasterFromABadInitialScale() throws {
        let (train, _) = Self.data!
        let comparisons = try BatchNormDemo.run(train: train, scales: [1, 0.01], epochs: 10)
        #expect(comparisons.map(\.scale) == [1, 0.01])
        let (large, small) = (comparisons[0], comparisons[1])
        #expect(large.plain.finalAccuracy == nil, "plain net at std 1 did not diverge: \(large.plain)")
        #expect((large.batchNorm.finalAccuracy ?? 0) > 0.3, "batchnorm at std 1: \(large.batchNorm)")
        let plain = try #require(small.plain.finalAccuracy), normalized = try #require(small.batchNorm.finalAccuracy)
        #expect(small.plain.trainAccuracies.count == 10 && small.batchNorm.trainAccuracies.count == 10)
        #expect(plain < 0.3, "plain net at std 0.01: \(plain)")
        #expect(normalized > 0.6 && normalized > plain + 0.3, "batchnorm \(normalized) vs plain \(plain) at std 0.01")
        let lines = BatchNormDemo.report(comparisons)
        #expect(lines.count == 3 && lines[1].hasPrefix("  std 1.0: plain diverged") && lines[2].hasPrefix("  std 0.01: plain "))
    }

    @Test func bookScalesAreSixteenStepsFromOneToTenToTheMinusFour() {
        let s = BatchNormDemo.bookScales
        #expect(s.count == 16 && s.first == 1 && abs(s.last! - 1e-4) <= 1e-10)
        for i in 1..<s.count { #expect(abs(s[i] / s[i - 1] - Float(0.54117)) < 1e-4) }   // 10^(−4/15)
    }

    /// Backprop and central differences agree to 5% relative error (or both
    /// below the 1e-3 floor) on every entry away from a ReLU / max-pool kink:
    /// float32 losses put ~5e-5 of noise into an h = 1e-2 quotient, and the
    /// curvature of softmax adds O(h) more. Kinks are a few entries at most.
    @Test func gradientCheckDemoAgreesAwayFromKinks() throws {
        let images = Self.data?.train
        let checks = try GradientCheckDemo.run(images: images, maxEntries: 100)
        #expect(checks.count == 2)
        #expect(checks[0].parameters.map(\.parameter) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        #expect(checks[1].parameters.map(\.parameter) == ["layers.0.weight", "layers.0.bias", "layers.3.weight",
                                                           "layers.3.bias", "layers.5.weight", "layers.5.bias"])
        for check in checks {
            for p in check.parameters {
                #expect(p.maxRelativeError <= 5e-2, "\(check.network) \(p.parameter): \(p)")
                #expect(p.kinkEntries * 5 <= p.checkedEntries, "\(check.network) \(p.parameter): \(p.kinkEntries) kinks of \(p.checkedEntries)")
                #expect(p.maxRelativeErrorWithKinks >= p.maxRelativeError)
            }
        }
        #expect(GradientCheckDemo.report(checks).count == 2 + 4 + 6)
    }

    /// The check can fail: backprop's gradients with one parameter's
    /// scaled by 1.2 (a 20% error, like a missing factor) are caught on that
    /// parameter and only there.
    @Test func gradientCheckDemoCatchesAWrongGradient() throws {
        let network = try Network(spec: GradientCheckDemo.convSpec, maxBatch: 1, seed: 1)
        var rng = SeededGenerator(seed: 5)
        for i in 0..<network.inputBuffer.count { network.inputBuffer.pointer[i] = Float(rng.nextUniform()) }
        network.labelBuffer[0] = 1
        _ = network.loss(batch: 1, training: true)
        network.backward()
        var claimed = network.parameters.map { $0.gradient.toArray() }
        let honest = GradientCheckDemo.checkEntries(network, batch: 1, maxEntries: 50, claimed: claimed)
        #expect(honest.allSatisfy { $0.maxRelativeError <= 5e-2 }, "\(honest)")
        let wrong = 2   // layers.3.weight
        claimed[wrong] = claimed[wrong].map { $0 * 1.2 }
        let checked = GradientCheckDemo.checkEntries(network, batch: 1, maxEntries: 50, claimed: claimed)
        #expect(checked[wrong].parameter == "layers.3.weight")
        #expect(checked[wrong].maxRelativeError > 0.15, "\(checked[wrong])")
        for (i, p) in checked.enumerated() where i != wrong { #expect(p.maxRelativeError <= 5e-2, "\(p)") }
    }
}
