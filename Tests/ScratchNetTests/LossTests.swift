import Testing
import ScratchNet
import ScratchNetTestSupport

/// A tensor of `values` shaped `shape` in `arena`.
private func tensor(_ values: [Float], _ shape: Shape, in arena: Arena) throws -> Tensor {
    let t = try arena.allocate(shape, name: "test tensor")
    t.copy(from: values)
    return t
}

@Suite("Losses")
struct LossTests {
    /// The book's example (ch. 4): t = one-hot 2, y = softmax-like scores.
    static let y: [Float] = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    static let t: [Float] = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]

    @Test func meanSquaredErrorMatchesTheBookAndHandValues() throws {
        let arena = try Arena(capacity: 4096)
        let y = try tensor(Self.y, Shape(1, 10), in: arena)
        let t = try tensor(Self.t, Shape(1, 10), in: arena)
        // The book prints 0.09750000000000003 for this pair.
        #expect(abs(MeanSquaredError(reduction: .sum).loss(prediction: y, target: t) - 0.0975) <= 1e-7)
        // Batch of 2: errors (1, −2) and (3, 0) → 0.5·(1+4+9) = 7 summed, 3.5 per sample.
        let p = try tensor([1, -2, 3, 0], Shape(2, 2), in: arena)
        let z = try tensor([0, 0, 0, 0], Shape(2, 2), in: arena)
        #expect(MeanSquaredError(reduction: .sum).loss(prediction: p, target: z) == 7)
        #expect(MeanSquaredError(reduction: .batchMean).loss(prediction: p, target: z) == 3.5)
    }

    @Test func meanAbsoluteErrorMatchesHandValues() throws {
        let arena = try Arena(capacity: 4096)
        let p = try tensor([1, -2, 3, 0.5], Shape(2, 2), in: arena)
        let t = try tensor([0, 0, 1, 0.5], Shape(2, 2), in: arena)
        #expect(MeanAbsoluteError(reduction: .sum).loss(prediction: p, target: t) == 5)
        #expect(MeanAbsoluteError(reduction: .batchMean).loss(prediction: p, target: t) == 2.5)
        let g = try arena.allocate(Shape(2, 2), name: "g")
        MeanAbsoluteError(reduction: .batchMean).gradient(prediction: p, target: t, into: g)
        #expect(g.toArray() == [0.5, -0.5, 0.5, 0])
    }

    /// Gradients against central differences of the loss itself; the
    /// losses are accumulated in Double and h = 1e-2 on smooth functions
    /// (MAE is linear away from ties, which the values avoid), so 1e-3
    /// relative is ample.
    @Test(arguments: [LossReduction.sum, .batchMean])
    func regressionLossGradientsMatchNumericalGradients(reduction: LossReduction) throws {
        let arena = try Arena(capacity: 8192)
        let p = try arena.allocate(Shape(3, 4), name: "p")
        let t = try arena.allocate(Shape(3, 4), name: "t")
        fillUniform(p.pointer, count: 12, seed: 1)
        fillUniform(t.pointer, count: 12, seed: 2)
        let analytic = try arena.allocate(Shape(3, 4), name: "analytic")
        let numeric = try arena.allocate(Shape(3, 4), name: "numeric")

        let mse = MeanSquaredError(reduction: reduction)
        mse.gradient(prediction: p, target: t, into: analytic)
        numericalGradient(of: { Double(mse.loss(prediction: p, target: t)) }, at: p, into: numeric)
        #expect(maxRelativeDifference(analytic.pointer, numeric.pointer, count: 12) <= 1e-3)

        let mae = MeanAbsoluteError(reduction: reduction)
        mae.gradient(prediction: p, target: t, into: analytic)
        numericalGradient(of: { Double(mae.loss(prediction: p, target: t)) }, at: p, into: numeric, h: 1e-3)
        #expect(maxRelativeDifference(analytic.pointer, numeric.pointer, count: 12) <= 1e-3)
    }

    @Test func crossEntropyMatchesHandValueOnIndexAndOneHotLabels() throws {
        let arena = try Arena(capacity: 4096)
        // Logits log(0.2), log(0.3), log(0.5): softmax gives (0.2, 0.3, 0.5),
        // so label 2 costs −log 0.5 and label 0 costs −log 0.2.
        let logits = try tensor([-1.6094379, -1.2039728, -0.6931472, -1.6094379, -1.2039728, -0.6931472], Shape(2, 3), in: arena)
        let labels: [Int32] = [2, 0]
        let expected: Float = (0.6931472 + 1.6094379) / 2
        labels.withUnsafeBufferPointer { l in
            #expect(abs(CrossEntropy.loss(logits: logits, labels: l) - expected) <= 1e-6)
        }
        let oneHot = try tensor([0, 0, 1, 1, 0, 0], Shape(2, 3), in: arena)
        #expect(abs(CrossEntropy.loss(logits: logits, targets: oneHot) - expected) <= 1e-6)
        // Gradient (softmax − onehot)/2, by hand.
        let g = try arena.allocate(Shape(2, 3), name: "g")
        labels.withUnsafeBufferPointer { CrossEntropy.gradient(logits: logits, labels: $0, into: g) }
        for (a, b) in zip(g.toArray(), [0.1, 0.15, -0.25, -0.4, 0.15, 0.25] as [Float]) { #expect(abs(a - b) <= 1e-6) }
        let g2 = try arena.allocate(Shape(2, 3), name: "g2")
        CrossEntropy.gradient(logits: logits, targets: oneHot, into: g2)
        #expect(maxRelativeDifference(g.pointer, g2.pointer, count: 6, floor: 1e-6) <= 1e-6)
    }

    @Test func crossEntropyGradientMatchesNumericalGradient() throws {
        let arena = try Arena(capacity: 4096)
        let logits = try arena.allocate(Shape(4, 5), name: "logits")
        fillUniform(logits.pointer, count: 20, seed: 5, in: -3...3)
        let labels: [Int32] = [0, 4, 2, 2]
        let analytic = try arena.allocate(Shape(4, 5), name: "a")
        let numeric = try arena.allocate(Shape(4, 5), name: "n")
        labels.withUnsafeBufferPointer { l in
            CrossEntropy.gradient(logits: logits, labels: l, into: analytic)
            numericalGradient(of: { Double(CrossEntropy.loss(logits: logits, labels: l)) }, at: logits, into: numeric)
        }
        // Float32 loss values of ~2 rounded to 1e-7, over a 2e-2 step: ~1e-5 noise.
        #expect(maxRelativeDifference(analytic.pointer, numeric.pointer, count: 20, floor: 1e-2) <= 2e-2)
    }

    /// Logits ±1000 overflow a naive exp and zero the book's probabilities;
    /// through log-softmax the loss is exactly the margin.
    @Test func crossEntropyIsFiniteForExtremeLogits() throws {
        let arena = try Arena(capacity: 4096)
        let logits = try tensor([1000, -1000, 0, -1000, 1000, 0], Shape(2, 3), in: arena)
        let labels: [Int32] = [0, 0]
        let loss = labels.withUnsafeBufferPointer { CrossEntropy.loss(logits: logits, labels: $0) }
        #expect(loss.isFinite)
        #expect(abs(loss - 1000) <= 1e-3, "right costs 0, wrong by 2000 costs 2000: mean 1000, got \(loss)")
        let g = try arena.allocate(Shape(2, 3), name: "g")
        labels.withUnsafeBufferPointer { CrossEntropy.gradient(logits: logits, labels: $0, into: g) }
        #expect(g.toArray().allSatisfy { $0.isFinite })
        #expect(abs(g[3] + 0.5) <= 1e-6 && abs(g[4] - 0.5) <= 1e-6)
    }
}
