import Testing
import ScratchNet

#if canImport(Glibc)
import Glibc
#endif

@Suite("Numerical tools and activations")
struct NumericsTests {
    /// Central differences have error h²·f'''/6: with h = 1e-4 and the
    /// functions below, ~1e-9, plus rounding ε·|f|/h ≈ 1e-12/1e-4; 1e-7 is safe.
    @Test func numericalDiffMatchesKnownDerivatives() {
        // The book's example: y = 0.01x² + 0.1x has slope 0.2 at 5 and 0.3 at 10.
        let f = { (x: Double) in 0.01 * x * x + 0.1 * x }
        #expect(abs(numericalDiff(f, at: 5) - 0.2) <= 1e-7)
        #expect(abs(numericalDiff(f, at: 10) - 0.3) <= 1e-7)
        #expect(abs(numericalDiff(sin, at: 1) - cos(1)) <= 1e-7)
        #expect(abs(numericalDiff(exp, at: 0.5) - exp(0.5)) <= 1e-7)
        #expect(abs(numericalDiff(Activations.sigmoid, at: 0.3) - Activations.sigmoidDerivative(0.3)) <= 1e-7)
    }

    @Test func numericalGradientOfSumOfSquaresIsTwiceThePoint() {
        let f = { (x: [Double]) in x.reduce(0) { $0 + $1 * $1 } }
        // The book's gradient_2d values: ∇ at (3,4) is (6,8), at (0,2) (0,4), at (3,0) (6,0).
        for (point, expected) in [([3.0, 4.0], [6.0, 8.0]), ([0, 2], [0, 4]), ([3, 0], [6, 0])] {
            let g = numericalGradient(f, at: point)
            for (a, b) in zip(g, expected) { #expect(abs(a - b) <= 1e-6) }
        }
    }

    @Test func numericalGradientOfATensorRestoresItAndMatchesAnalytic() throws {
        let arena = try Arena(capacity: 1024)
        let x = try arena.allocate(Shape(2, 3), name: "x")
        let g = try arena.allocate(Shape(2, 3), name: "g")
        let values: [Float] = [0.5, -1, 2, 0.25, -0.75, 1.5]
        x.copy(from: values)
        // f = Σ xᵢ³ → ∂f/∂xᵢ = 3xᵢ²; the Float step 1e-2 gives error h² = 1e-4 relative.
        numericalGradient(of: { (0..<6).reduce(0.0) { $0 + pow(Double(x[$1]), 3) } }, at: x, into: g)
        #expect(x.toArray() == values)
        for i in 0..<6 {
            let expected = 3 * values[i] * values[i]
            #expect(abs(g[i] - expected) <= 1e-3 * max(1, expected), "entry \(i): \(g[i]) vs \(expected)")
        }
    }

    /// x ← 0.8·x per step, so after 100 steps |x| = 5·0.8¹⁰⁰ ≈ 1e-9.
    @Test func gradientDescentOfSumOfSquaresReachesTheOrigin() {
        let f = { (x: [Double]) in x[0] * x[0] + x[1] * x[1] }
        let end = gradientDescent(f, from: [-3, 4], learningRate: 0.1, steps: 100)
        #expect((end[0] * end[0] + end[1] * end[1]).squareRoot() <= 1e-6, "\(end)")
        let path = gradientDescentPath(f, from: [-3, 4], learningRate: 0.1, steps: 20)
        #expect(path.count == 21 && path[0] == [-3, 4])
        // The book's 20-step run ends near (−0.0346, 0.0461) = 0.8²⁰·(−3, 4).
        #expect(abs(path[20][0] + 3 * pow(0.8, 20)) <= 1e-6 && abs(path[20][1] - 4 * pow(0.8, 20)) <= 1e-6)
    }

    @Test func activationsHaveTheirDefiningValues() {
        #expect(Activations.step(-0.1) == 0 && Activations.step(0) == 0 && Activations.step(2) == 1)
        #expect(Activations.sigmoid(0) == 0.5)
        #expect(Activations.sigmoid(-1000) == 0 && Activations.sigmoid(1000) == 1)
        #expect(abs(Activations.sigmoid(1) - 1 / (1 + exp(-1))) <= 1e-15)
        #expect(Activations.hardSigmoid(0) == 0.5 && Activations.hardSigmoid(-3) == 0 && Activations.hardSigmoid(3) == 1)
        #expect(Activations.hardSigmoid(1.5) == 0.75 && Activations.hardSigmoid(9) == 1)
        #expect(Activations.relu(-2) == 0 && Activations.relu(3) == 3)
        #expect(Activations.reluDerivative(0) == 0 && Activations.reluDerivative(0.1) == 1)
        #expect(abs(Activations.tanh(0.5) - (exp(0.5) - exp(-0.5)) / (exp(0.5) + exp(-0.5))) <= 1e-15)
        #expect(Activations.identity(-7.5) == -7.5)
        #expect(Activations.apply(Activations.relu, to: [-1, 0, 2]) == [0, 0, 2])
    }

    @Test func softmaxSumsToOneAndSurvivesHugeScores() {
        // The book's example: softmax([0.3, 2.9, 4.0]) ≈ [0.0182, 0.2451, 0.7368].
        let p = Activations.softmax([0.3, 2.9, 4.0])
        for (a, b) in zip(p, [0.01821127, 0.24519181, 0.73659691]) { #expect(abs(a - b) <= 1e-7) }
        let huge = Activations.softmax([1010, 1000, 990])
        #expect(huge.allSatisfy { $0.isFinite })
        #expect(abs(huge.reduce(0, +) - 1) <= 1e-12)
        #expect(huge[0] > 0.9999)
        #expect(Activations.softmax([]) == [])
    }
}
