import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// The C/SIMD kernels against the naive Swift oracle on awkward shapes.
@Suite("Kernels: fast equals naive", .serialized)
struct KernelTests {
    static let sizes = [1, 3, 7, 33, 100, 257]
    let fast = FastKernels()
    let naive = NaiveKernels()

    /// Runs `body` with the kernels on 1 thread, then on 2.
    func withThreadCounts(_ body: (Int) throws -> Void) rethrows {
        defer { fast.threads = 1 }
        for threads in [1, 2] {
            fast.threads = threads
            try body(threads)
        }
    }

    func checkGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                   padding: Int = 0, seed: UInt64) {
        // Leading dimensions larger than the matrix (padding) test the strides.
        let lda = (transA ? m : k) + padding
        let ldb = (transB ? k : n) + padding
        let ldc = n + padding
        let aRows = transA ? k : m
        let bRows = transB ? n : k
        let a = UnsafeMutablePointer<Float>.allocate(capacity: max(1, aRows * lda))
        let b = UnsafeMutablePointer<Float>.allocate(capacity: max(1, bRows * ldb))
        let c1 = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * ldc))
        let c2 = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * ldc))
        defer { a.deallocate(); b.deallocate(); c1.deallocate(); c2.deallocate() }
        fillUniform(a, count: aRows * lda, seed: seed)
        fillUniform(b, count: bRows * ldb, seed: seed + 1)
        fillUniform(c1, count: m * ldc, seed: seed + 2)
        c2.update(from: c1, count: m * ldc)
        if beta == 0 { c1[0] = .nan; c2[0] = .nan } // beta 0 must ignore old C, NaN included
        fast.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c1, ldc: ldc)
        naive.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c2, ldc: ldc)
        // Error bound from summation order: each result may be off by about
        // k·ε·Σ|a||b| (ε = 2⁻²³), which |A|·|B| computes; ×4 for slack.
        let absA = UnsafeMutablePointer<Float>.allocate(capacity: max(1, aRows * lda))
        let absB = UnsafeMutablePointer<Float>.allocate(capacity: max(1, bRows * ldb))
        let bound = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * ldc))
        defer { absA.deallocate(); absB.deallocate(); bound.deallocate() }
        for i in 0..<(aRows * lda) { absA[i] = abs(a[i]) }
        for i in 0..<(bRows * ldb) { absB[i] = abs(b[i]) }
        naive.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: absA, lda: lda,
                   b: absB, ldb: ldb, beta: 0, c: bound, ldc: ldc)
        let epsilon = Float.ulpOfOne / 2
        var violations = 0
        for i in 0..<m {
            for j in 0..<n {
                let index = i * ldc + j
                let allowed = 4 * Float(k + 2) * epsilon * (abs(alpha) * bound[index] + abs(beta) * 1) + 1e-30
                let ok = beta == 0 && i == 0 && j == 0 ? c1[index].isFinite && abs(c1[index] - c2[index]) <= allowed
                                                      : abs(c1[index] - c2[index]) <= allowed
                if !ok { violations += 1 }
            }
            // Padding columns must be untouched.
            for j in n..<ldc { #expect(c1[i * ldc + j] == c2[i * ldc + j]) }
        }
        #expect(violations == 0,
                "gemm tA=\(transA) tB=\(transB) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta): \(violations) entries outside the rounding bound")
    }

    @Test func gemmMatchesNaiveOnAwkwardShapesAndTransposes() {
        withThreadCounts { threads in
            var seed: UInt64 = 10
            for m in Self.sizes { for n in Self.sizes { for k in Self.sizes {
                // All transposes on a diagonal-ish subset, plain on all.
                let transposes: [(Bool, Bool)] = (m == n || n == k || m == k)
                    ? [(false, false), (true, false), (false, true), (true, true)] : [(false, false)]
                for (ta, tb) in transposes {
                    seed += 3
                    checkGemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, beta: 0, seed: seed)
                }
            } } }
        }
    }

    @Test(arguments: [(Float(1), Float(1)), (0.5, 2), (-1.5, 0.25), (2, 0)])
    func gemmHonoursAlphaBetaAndStrides(alpha: Float, beta: Float) {
        withThreadCounts { _ in
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                checkGemm(transA: ta, transB: tb, m: 33, n: 100, k: 257, alpha: alpha, beta: beta, padding: 5, seed: 7)
                checkGemm(transA: ta, transB: tb, m: 257, n: 7, k: 33, alpha: alpha, beta: beta, padding: 3, seed: 8)
            }
        }
    }

    /// M ≥ 390 rows against N > 1 024 columns and K > 512 takes the threaded path that packs B once
    /// for the whole team, in two alternating buffers: several column blocks and K blocks, a ragged
    /// last strip (400 = 66·6 + 4) and a ragged last panel.
    @Test func gemmWithSharedPackedBMatchesNaiveOnSeveralBlocks() {
        withThreadCounts { _ in
            for (ta, tb) in [(false, false), (true, false)] {
                checkGemm(transA: ta, transB: tb, m: 400, n: 1030, k: 1027, alpha: 1, beta: 0.5, seed: 11)
            }
        }
    }

    @Test func gemmOnTrainingShapesIsBitIdenticalForOneAndTwoThreads() {
        // Determinism across thread counts is what makes resumed training reproducible.
        let shapes = [(100, 100, 784), (784, 100, 100), (100, 784, 100), (512, 512, 512), (400, 1030, 1027)]
        for (m, n, k) in shapes {
            let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
            let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
            let c1 = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
            let c2 = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
            defer { a.deallocate(); b.deallocate(); c1.deallocate(); c2.deallocate() }
            fillUniform(a, count: m * k, seed: 1)
            fillUniform(b, count: k * n, seed: 2)
            var outputs: [[Float]] = []
            withThreadCounts { _ in
                fast.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: c1, ldc: n)
                fast.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: c2, ldc: n)
                #expect(Array(UnsafeBufferPointer(start: c1, count: m * n)) == Array(UnsafeBufferPointer(start: c2, count: m * n)))
                outputs.append(Array(UnsafeBufferPointer(start: c1, count: m * n)))
            }
            #expect(outputs[0] == outputs[1], "gemm \(m)×\(n)×\(k) differs between 1 and 2 threads")
        }
    }

    /// Every sum over K is cut into equal blocks of at most 512 (K = 784: 392 + 392), each a chain of
    /// fused multiply-adds in k order added into C in block order, on every instruction set (the
    /// AVX-512 and AVX2 tiles alike): the trained weights are then the same on any FMA machine.
    /// Checked bit for bit against that rule written out in Swift, at 1 and 2 threads.
    @Test(.enabled(if: Self.cpuHasFMA, "no FMA: the portable path rounds each product"),
          arguments: [(7, 33, 784), (100, 100, 784), (13, 100, 1030), (1000, 10, 600), (5, 3, 512)])
    func gemmSumsKInBlocksOfAtMost512(m: Int, n: Int, k: Int) {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        fillUniform(a, count: m * k, seed: UInt64(m * 7 + k))
        fillUniform(b, count: k * n, seed: UInt64(n * 11 + k))
        let blocks = (k + 511) / 512, blockLength = (k + blocks - 1) / blocks
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for start in stride(from: 0, to: k, by: blockLength) {
                    var partial: Float = 0
                    for p in start..<min(start + blockLength, k) { partial.addProduct(a[i * k + p], b[p * n + j]) }
                    sum = start == 0 ? partial : sum + partial
                }
                expected[i * n + j] = sum
            }
        }
        withThreadCounts { threads in
            fast.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                      beta: 0, c: c, ldc: n)
            let mismatches = (0..<m * n).filter { c[$0].bitPattern != expected[$0].bitPattern }.count
            #expect(mismatches == 0, "\(m)×\(n)×\(k), \(threads) threads: \(mismatches) elements differ from the K-block rule")
        }
    }

    static let cpuHasFMA: Bool = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("fma") }
    }()

    /// Products with few columns (a classifier head's N = 10) are computed as Cᵀ = op(B)ᵀ·op(A)ᵀ with
    /// transposed tile stores. Every element is still one FMA per k in k order, so C must equal, bit
    /// for bit, the transpose of the ordinary product with the operands swapped (10 rows, which is
    /// never transposed): for every transpose flag, several K blocks with beta, 1 and 2 threads.
    @Test(arguments: [(1000, 10, 1030), (100, 10, 100), (257, 7, 33), (64, 12, 5), (100, 4, 784)])
    func fewColumnProductsEqualTheirTransposedFormBitForBit(m: Int, n: Int, k: Int) {
        withThreadCounts { threads in
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let aCount = m * k, bCount = k * n
                let a = UnsafeMutablePointer<Float>.allocate(capacity: aCount)
                let b = UnsafeMutablePointer<Float>.allocate(capacity: bCount)
                let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
                let ct = UnsafeMutablePointer<Float>.allocate(capacity: n * m)
                defer { a.deallocate(); b.deallocate(); c.deallocate(); ct.deallocate() }
                fillUniform(a, count: aCount, seed: UInt64(m + n))
                fillUniform(b, count: bCount, seed: UInt64(k))
                fillUniform(c, count: m * n, seed: 3)
                for i in 0..<m { for j in 0..<n { ct[j * m + i] = c[i * n + j] } }
                // C (m×n) = op(A)·op(B); Cᵀ (n×m) = op(B)ᵀ·op(A)ᵀ, i.e. B with !tb, A with !ta.
                fast.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.75, a: a, lda: ta ? m : k,
                          b: b, ldb: tb ? k : n, beta: 0.5, c: c, ldc: n)
                fast.gemm(transA: !tb, transB: !ta, m: n, n: m, k: k, alpha: 0.75, a: b, lda: tb ? k : n,
                          b: a, ldb: ta ? m : k, beta: 0.5, c: ct, ldc: m)
                var mismatches = 0
                for i in 0..<m { for j in 0..<n where c[i * n + j].bitPattern != ct[j * m + i].bitPattern { mismatches += 1 } }
                #expect(mismatches == 0, "\(m)×\(n)×\(k) tA=\(ta) tB=\(tb), \(threads) threads: \(mismatches) elements differ")
            }
        }
    }

    @Test func softmaxAndCrossEntropyMatchNaive() {
        withThreadCounts { _ in
            for rows in [1, 3, 7, 33, 100, 257, 4000] { for cols in [1, 2, 7, 10, 33, 100] {
                let n = rows * cols
                let logits = UnsafeMutablePointer<Float>.allocate(capacity: n)
                let p1 = UnsafeMutablePointer<Float>.allocate(capacity: n)
                let p2 = UnsafeMutablePointer<Float>.allocate(capacity: n)
                let targets = UnsafeMutablePointer<Float>.allocate(capacity: n)
                let labels = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
                defer { logits.deallocate(); p1.deallocate(); p2.deallocate(); targets.deallocate(); labels.deallocate() }
                fillUniform(logits, count: n, seed: UInt64(rows * 1000 + cols), in: -20...20)
                var rng = SeededGenerator(seed: 3)
                targets.update(repeating: 0, count: n)
                for r in 0..<rows {
                    labels[r] = Int32(rng.nextInt(below: cols))
                    targets[r * cols + Int(labels[r])] = 1
                }
                fast.softmax(logits, into: p1, rows: rows, cols: cols)
                naive.softmax(logits, into: p2, rows: rows, cols: cols)
                #expect(maxRelativeDifference(p1, p2, count: n, floor: 1e-6) <= 1e-5)

                let l1 = fast.softmaxCrossEntropy(logits: logits, labels: labels, probs: p1, rows: rows, cols: cols)
                let l2 = naive.softmaxCrossEntropy(logits: logits, labels: labels, probs: p2, rows: rows, cols: cols)
                #expect(abs(l1 - l2) <= 1e-5 * max(1, abs(l2)), "xent \(rows)×\(cols): \(l1) vs \(l2)")
                let l3 = fast.softmaxCrossEntropy(logits: logits, targets: targets, probs: p1, rows: rows, cols: cols)
                #expect(abs(l3 - l2) <= 1e-4 * max(1, abs(l2)), "one-hot xent \(rows)×\(cols): \(l3) vs \(l2)")

                fast.softmaxCrossEntropyBackward(probs: p1, labels: labels, dlogits: p1, rows: rows, cols: cols)
                naive.softmaxCrossEntropyBackward(probs: p2, labels: labels, dlogits: p2, rows: rows, cols: cols)
                #expect(maxRelativeDifference(p1, p2, count: n, floor: 1e-6) <= 1e-5)
                fast.softmax(logits, into: p1, rows: rows, cols: cols)
                fast.softmaxCrossEntropyBackward(probs: p1, targets: targets, dlogits: p1, rows: rows, cols: cols)
                #expect(maxRelativeDifference(p1, p2, count: n, floor: 1e-6) <= 1e-5)
            } }
        }
    }

    @Test func crossEntropyIsStableForExtremeLogits() {
        // softmax(z)[label] underflows to 0 for z = (-1000, 1000); the loss must be 2000, not inf.
        var logits: [Float] = [-1000, 1000]
        var probs: [Float] = [0, 0]
        var labels: [Int32] = [0]
        let loss = fast.softmaxCrossEntropy(logits: &logits, labels: &labels, probs: &probs, rows: 1, cols: 2)
        #expect(loss == 2000)
        #expect(probs == [0, 1])
    }

    @Test func elementwiseKernelsMatchNaive() {
        for count in [1, 7, 15, 16, 17, 33, 100, 257, 1000] {
            let x = UnsafeMutablePointer<Float>.allocate(capacity: count)
            let y = UnsafeMutablePointer<Float>.allocate(capacity: count)
            let o1 = UnsafeMutablePointer<Float>.allocate(capacity: count)
            let o2 = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer { x.deallocate(); y.deallocate(); o1.deallocate(); o2.deallocate() }
            fillUniform(x, count: count, seed: UInt64(count), in: -3...3)
            fillUniform(y, count: count, seed: UInt64(count) + 9, in: -3...3)
            func same(_ what: String) {
                // FMA (fast) vs separate multiply and add (naive): a rounding apart.
                #expect(maxRelativeDifference(o1, o2, count: count, floor: 1e-3) <= 1e-5, "\(what) count \(count)")
            }
            fast.relu(x, into: o1, count: count); naive.relu(x, into: o2, count: count); same("relu")
            fast.reluBackward(x, output: y, into: o1, count: count); naive.reluBackward(x, output: y, into: o2, count: count); same("relu backward")
            fast.sigmoid(x, into: o1, count: count); naive.sigmoid(x, into: o2, count: count); same("sigmoid")
            fast.sigmoidBackward(x, output: y, into: o1, count: count); naive.sigmoidBackward(x, output: y, into: o2, count: count); same("sigmoid backward")
            o1.update(from: y, count: count); o2.update(from: y, count: count)
            fast.axpy(alpha: -0.3, x, o1, count: count); naive.axpy(alpha: -0.3, x, o2, count: count); same("axpy")
        }
        for (rows, cols) in [(1, 1), (3, 7), (33, 17), (100, 100), (7, 257)] {
            let n = rows * cols
            let x = UnsafeMutablePointer<Float>.allocate(capacity: n)
            let o1 = UnsafeMutablePointer<Float>.allocate(capacity: n)
            let o2 = UnsafeMutablePointer<Float>.allocate(capacity: n)
            let bias = UnsafeMutablePointer<Float>.allocate(capacity: cols)
            defer { x.deallocate(); o1.deallocate(); o2.deallocate(); bias.deallocate() }
            fillUniform(x, count: n, seed: 5)
            fillUniform(bias, count: cols, seed: 6)
            o1.update(from: x, count: n); o2.update(from: x, count: n)
            fast.addBias(o1, bias: bias, rows: rows, cols: cols)
            naive.addBias(o2, bias: bias, rows: rows, cols: cols)
            #expect(maxRelativeDifference(o1, o2, count: n) <= 1e-6, "addBias \(rows)×\(cols)")
            fast.columnSums(x, rows: rows, cols: cols, into: o1)
            naive.columnSums(x, rows: rows, cols: cols, into: o2)
            #expect(maxRelativeDifference(o1, o2, count: cols) <= Tolerance.kernel(k: rows), "columnSums \(rows)×\(cols)")
        }
    }
}

import Dispatch

@Suite("Kernels: concurrent callers")
struct ConcurrentGemmTests {
    /// Hyperparameter trials call sgemm from several threads at once; each
    /// call must get its own packing buffers and the same result as alone.
    @Test func concurrentGemmCallsMatchSequentialOnes() {
        let (m, n, k) = (300, 200, 700)   // large enough to pack and to thread
        let calls = 6
        let a = UnsafeMutablePointer<Float>.allocate(capacity: calls * m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: calls * k * n)
        let alone = UnsafeMutablePointer<Float>.allocate(capacity: calls * m * n)
        let together = UnsafeMutablePointer<Float>.allocate(capacity: calls * m * n)
        defer { a.deallocate(); b.deallocate(); alone.deallocate(); together.deallocate() }
        fillUniform(a, count: calls * m * k, seed: 21)
        fillUniform(b, count: calls * k * n, seed: 22)
        let fast = FastKernels()
        for i in 0..<calls {
            fast.gemm(transA: false, transB: i % 2 == 1, m: m, n: n, k: k, alpha: 1, a: a + i * m * k, lda: k,
                      b: b + i * k * n, ldb: i % 2 == 1 ? k : n, beta: 0, c: alone + i * m * n, ldc: n)
        }
        nonisolated(unsafe) let (pa, pb, pc) = (a, b, together)
        DispatchQueue.concurrentPerform(iterations: calls) { i in
            FastKernels().gemm(transA: false, transB: i % 2 == 1, m: m, n: n, k: k, alpha: 1, a: pa + i * m * k, lda: k,
                               b: pb + i * k * n, ldb: i % 2 == 1 ? k : n, beta: 0, c: pc + i * m * n, ldc: n)
        }
        #expect(Array(UnsafeBufferPointer(start: alone, count: calls * m * n))
                == Array(UnsafeBufferPointer(start: together, count: calls * m * n)))
    }
}
