import CKernels
import Testing
import ScratchNet
import ScratchNetTestSupport

/// The C optimizer updates (optim.c) against plain Swift loops that do the
/// same separately rounded operations: equal bit for bit, at 1 and 2
/// threads, on sizes below and above the kernels' grain (32 768 floats).
@Suite("Kernels: optimizer updates", .serialized)
struct OptimizerKernelTests {
    static let sizes = [1, 7, 33, 100, 1000, 32_769, 100_003]

    /// Four buffers of `n` floats (p, g, and two state arrays) with fixed random contents;
    /// the state's second array is made non-negative (Adam's v).
    struct Buffers {
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

    func withThreadCounts(_ body: (Int) -> Void) {
        let saved = KernelThreads.count
        defer { KernelThreads.set(saved) }
        for threads in [1, 2] {
            KernelThreads.set(threads)
            body(threads)
        }
    }

    @Test func sgdMatchesSwiftLoop() {
        for n in Self.sizes {
            let start = Buffers(n, seed: 11)
            var expected = start
            for i in 0..<n { expected.p[i] = expected.p[i] + (-0.1) * expected.g[i] }
            withThreadCounts { threads in
                var b = start
                sn_sgd_step(&b.p, b.g, n, 0.1)
                #expect(b.p == expected.p, "sgd n=\(n) threads=\(threads)")
            }
        }
    }

    @Test func momentumMatchesSwiftLoop() {
        for n in Self.sizes {
            let start = Buffers(n, seed: 21)
            var e = start
            for i in 0..<n {
                let vel = e.s1[i] * 0.9 + (-0.01) * e.g[i]
                e.s1[i] = vel
                e.p[i] = e.p[i] + vel
            }
            withThreadCounts { threads in
                var b = start
                sn_momentum_step(&b.p, b.g, &b.s1, n, 0.01, 0.9)
                #expect(b.p == e.p && b.s1 == e.s1, "momentum n=\(n) threads=\(threads)")
            }
        }
    }

    @Test func adamMatchesSwiftLoopAndTheBookWithinRounding() {
        let (lrT, b1, b2, eps): (Float, Float, Float, Float) = (0.003, 0.9, 0.999, 1e-7)
        for n in Self.sizes {
            let start = Buffers(n, seed: 31)
            var e = start
            var book = start
            for i in 0..<n {
                let m = e.s1[i] + (1 - b1) * (e.g[i] - e.s1[i])
                let v = e.s2[i] + (1 - b2) * (e.g[i] * e.g[i] - e.s2[i])
                e.s1[i] = m; e.s2[i] = v
                e.p[i] = e.p[i] + (-lrT) * (m / (v.squareRoot() + eps))
                // The book's order: lr·m / (√v + ε), subtracted.
                book.s1[i] += (1 - b1) * (book.g[i] - book.s1[i])
                book.s2[i] += (1 - b2) * (book.g[i] * book.g[i] - book.s2[i])
                book.p[i] -= lrT * book.s1[i] / (book.s2[i].squareRoot() + eps)
            }
            withThreadCounts { threads in
                var b = start
                sn_adam_step(&b.p, b.g, &b.s1, &b.s2, n, lrT, b1, b2, eps)
                #expect(b.p == e.p && b.s1 == e.s1 && b.s2 == e.s2, "adam n=\(n) threads=\(threads)")
                let worst = zip(b.p, book.p).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(worst <= 4 * Float.ulpOfOne, "adam n=\(n): \(worst) from the book's formula")
            }
        }
    }
}
