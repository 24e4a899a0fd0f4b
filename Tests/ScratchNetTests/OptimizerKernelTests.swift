import Testing
import ScratchNet
import ScratchNetTestSupport

/// The six optimizer updates of ``FastKernels`` against ``NaiveKernels`` and
/// against plain loops in the fast kernels' order of operations, at 1 and 2
/// threads, on sizes below and above the C kernels' grain (32 768 floats)
/// and not multiples of the 16-float split.
@Suite("Kernels: optimizer updates", .serialized)
struct OptimizerKernelTests {
    static let sizes = [1, 7, 33, 100, 1000, 32_769, 100_003]
    static let naive = NaiveKernels()

    /// p, g and two state arrays of `n` floats with fixed random contents;
    /// both state arrays are made non-negative (sums and averages of squares).
    struct Buffers: Equatable {
        var p: [Float], g: [Float], s1: [Float], s2: [Float]
        init(_ n: Int, seed: UInt64) {
            func filled(_ s: UInt64) -> [Float] {
                var a = [Float](repeating: 0, count: n)
                a.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: n, seed: s) }
                return a
            }
            p = filled(seed); g = filled(seed + 1); s1 = filled(seed + 2); s2 = filled(seed + 3).map { $0 * $0 }
        }
    }

    typealias Step = @Sendable (any Kernels, inout Buffers) -> Void

    /// Three steps of `step` on fresh buffers with `kernels`.
    static func run(_ n: Int, seed: UInt64, _ kernels: any Kernels, _ step: Step) -> Buffers {
        var b = Buffers(n, seed: seed)
        for _ in 0..<3 { step(kernels, &b) }
        return b
    }

    /// Largest |a − b| / max(1, |b|) over all four arrays.
    static func worstRelative(_ a: Buffers, _ b: Buffers) -> Float {
        zip(a.p + a.s1 + a.s2, b.p + b.s1 + b.s2).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    static let steps: [(name: String, bitIdentical: Bool, step: Step)] = [
        ("sgd", true, { k, b in
            k.sgdStep(&b.p, gradient: b.g, count: b.p.count, learningRate: 0.1) }),
        ("momentum", true, { k, b in
            k.momentumStep(&b.p, gradient: b.g, velocity: &b.s1, count: b.p.count, learningRate: 0.01, momentum: 0.9) }),
        ("nesterov", true, { k, b in
            k.nesterovStep(&b.p, gradient: b.g, velocity: &b.s1, count: b.p.count, learningRate: 0.01, momentum: 0.9) }),
        ("adagrad", false, { k, b in
            k.adaGradStep(&b.p, gradient: b.g, sumOfSquares: &b.s2, count: b.p.count, learningRate: 0.01, epsilon: 1e-7) }),
        ("rmsprop", false, { k, b in
            k.rmspropStep(&b.p, gradient: b.g, averageOfSquares: &b.s2, count: b.p.count, learningRate: 0.01,
                          decay: 0.99, epsilon: 1e-7) }),
        ("adam", false, { k, b in
            k.adamStep(&b.p, gradient: b.g, firstMoment: &b.s1, secondMoment: &b.s2, count: b.p.count,
                       correctedLearningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7) }),
        ("adamw", false, { k, b in
            k.adamWStep(&b.p, gradient: b.g, firstMoment: &b.s1, secondMoment: &b.s2, count: b.p.count,
                        correctedLearningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0.003 * 0.05) }),
    ]

    /// SGD, Momentum and Nesterov: bit for bit. AdaGrad, RMSprop and Adam:
    /// the naive kernel multiplies lr·g before dividing (the book's order),
    /// the fast one divides first; each of the two roundings is within half
    /// an ulp of the update, and the update is at most a few times lr, so
    /// after 3 steps the results agree within 4 ulp relative to max(1, |x|).
    @Test(arguments: 0..<7)
    func fastMatchesNaiveAtOneAndTwoThreads(index: Int) {
        let (name, bitIdentical, step) = Self.steps[index]
        for n in Self.sizes {
            let expected = Self.run(n, seed: 11, Self.naive, step)
            for threads in [1, 2] {
                let got = Self.run(n, seed: 11, FastKernels(threads: threads), step)
                if bitIdentical {
                    #expect(got == expected, "\(name) n=\(n) threads=\(threads)")
                } else {
                    let worst = Self.worstRelative(got, expected)
                    #expect(worst <= 4 * Float.ulpOfOne, "\(name) n=\(n) threads=\(threads): \(worst)")
                }
            }
        }
    }

    /// The fast updates equal plain loops written in their own order of
    /// operations (separately rounded multiply, then add), whatever the
    /// thread count: the parallel split never shows.
    @Test func fastEqualsItsOrderOfOperationsBitForBit() {
        for n in Self.sizes {
            var e = Buffers(n, seed: 31)
            let (lr, mu, eps, rho): (Float, Float, Float, Float) = (0.01, 0.9, 1e-7, 0.99)
            let (lrT, b1, b2): (Float, Float, Float) = (0.003, 0.9, 0.999)
            for i in 0..<n {  // one step each of Nesterov, AdaGrad, RMSprop, Adam on the same buffers
                let vel = e.s1[i] * mu + (-lr) * e.g[i]
                e.s1[i] = vel
                e.p[i] = e.p[i] + (mu * mu) * vel + (-(1 + mu) * lr) * e.g[i]
                let h = e.s2[i] + e.g[i] * e.g[i]
                e.s2[i] = h
                e.p[i] = e.p[i] + (-lr) * (e.g[i] / (h.squareRoot() + eps))
                let avg = e.s2[i] * rho + (1 - rho) * (e.g[i] * e.g[i])
                e.s2[i] = avg
                e.p[i] = e.p[i] + (-lr) * (e.g[i] / (avg.squareRoot() + eps))
                let m = e.s1[i] + (1 - b1) * (e.g[i] - e.s1[i])
                let v = e.s2[i] + (1 - b2) * (e.g[i] * e.g[i] - e.s2[i])
                e.s1[i] = m; e.s2[i] = v
                e.p[i] = e.p[i] + (-lrT) * (m / (v.squareRoot() + eps))
            }
            for threads in [1, 2] {
                let k = FastKernels(threads: threads)
                var b = Buffers(n, seed: 31)
                k.nesterovStep(&b.p, gradient: b.g, velocity: &b.s1, count: n, learningRate: lr, momentum: mu)
                k.adaGradStep(&b.p, gradient: b.g, sumOfSquares: &b.s2, count: n, learningRate: lr, epsilon: eps)
                k.rmspropStep(&b.p, gradient: b.g, averageOfSquares: &b.s2, count: n, learningRate: lr, decay: rho, epsilon: eps)
                k.adamStep(&b.p, gradient: b.g, firstMoment: &b.s1, secondMoment: &b.s2, count: n,
                           correctedLearningRate: lrT, beta1: b1, beta2: b2, epsilon: eps)
                #expect(b == e, "n=\(n) threads=\(threads)")
            }
        }
    }
}
