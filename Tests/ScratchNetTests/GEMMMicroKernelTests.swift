import Testing
import ScratchNet
import ScratchNetTestSupport

/// Every GEMM micro-kernel the CPU can run, forced one at a time, on odd shapes, every transpose
/// combination, alpha/beta other than 1/0, row strides wider than the matrices, and byte input.
///
/// What runs where: `generic` runs on every machine, `avx2` on CPUs with AVX2+FMA, `avx512` on
/// x86-64-v4 CPUs. A kernel the CPU lacks is skipped, and the skip is recorded on the test (see
/// `skippedKernelsAreNamed`); on other architectures only `generic` exists. `generic` is compiled
/// twice on x86-64 (target_clones) and the CPU picks the clone: on an x86-64-v3 CPU its baseline
/// (SSE2) clone never runs here.
///
/// Checks, per kernel, at 1 and 2 threads:
/// - within a rounding bound of `NaiveKernels().gemm` (any summation order);
/// - for the FMA kernels (AVX2, AVX-512), bit for bit equal to the K-block rule: each element is
///   a chain of fused multiply-adds in k order within K blocks of equal length at most 512, each
///   block's sum scaled by alpha and added into C in block order (the first block with beta·C).
///   `generic` is not held to it: below x86-64-v3 it multiplies and adds separately;
/// - the same bits at 1 and at 2 threads;
/// - row padding of C untouched, and NaN padding of A and B never read.
@Suite("GEMM micro-kernels")
struct GEMMMicroKernelTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    /// (m, n, k): sizes among 1, 7, 12, 13, 33, 100, 257, with K = 784 and 1100 for several K
    /// blocks (784: 392 + 392; 1100: three blocks of 367, 367, 366). Several exceed 2 MFLOP, so
    /// 2 threads really split them; 257×257×784 exceeds every in-place limit, so A and B are packed.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 257, 7), (257, 1, 13), (7, 13, 12), (12, 7, 33), (13, 33, 7), (33, 12, 13),
        (100, 7, 257), (257, 13, 100), (7, 257, 33), (100, 100, 100), (257, 257, 33),
        (13, 12, 784), (100, 33, 784), (33, 100, 1100), (257, 12, 1100), (257, 257, 784),
    ]

    @Test func skippedKernelsAreNamed() {
        let skipped = GEMMMicroKernel.allCases.filter { !GEMMMicroKernel.supported.contains($0) }
        #expect(GEMMMicroKernel.supported.contains(.generic), "the generic kernel runs everywhere")
        if !skipped.isEmpty {
            // Not a failure: the CPU cannot run these, so no test here exercises them.
            print("GEMM micro-kernels skipped on this CPU (not supported): \(skipped.map(\.description).joined(separator: ", "))")
        }
    }

    @Test(arguments: Self.shapes.indices)
    func everyKernelMatchesNaiveAndTheKBlockRule(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        // Half the shapes with beta 0 (old C ignored, a NaN in it included), half with beta 0.5.
        let alpha: Float = 0.75, beta: Float = shapeIndex % 2 == 0 ? 0.5 : 0
        let opA = uniform(m * k, seed: UInt64(shapeIndex * 3 + 1))
        let opB = uniform(k * n, seed: UInt64(shapeIndex * 3 + 2))
        var c0 = uniform(m * n, seed: UInt64(shapeIndex * 3 + 3))
        if beta == 0 { c0[0] = .nan }
        let expected = Self.kBlockRule(m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c0)
        let (reference, allowed) = naiveWithBound(m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c0)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Strided(op: opA, rows: m, cols: k, transposed: ta, padding: 3)
            let b = Strided(op: opB, rows: k, cols: n, transposed: tb, padding: 2)
            for kernel in GEMMMicroKernel.supported {
                var byThreads: [[Float]] = []
                for threads in [1, 2] {
                    let out = Strided(op: c0, rows: m, cols: n, transposed: false, padding: 5, pad: 12345)
                    a.storage.withUnsafeBufferPointer { ap in b.storage.withUnsafeBufferPointer { bp in
                        out.storage.withUnsafeMutableBufferPointer { cp in
                            fast.gemm(using: kernel, threads: threads, transA: ta, transB: tb, m: m, n: n, k: k,
                                      alpha: alpha, a: ap.baseAddress!, lda: a.ld, b: bp.baseAddress!, ldb: b.ld,
                                      beta: beta, c: cp.baseAddress!, ldc: out.ld)
                        }
                    } }
                    let what = "\(kernel) \(m)×\(n)×\(k) tA=\(ta) tB=\(tb) β=\(beta), \(threads) threads"
                    #expect(out.paddingUntouched(12345), "\(what): C's row padding was written")
                    let got = out.op
                    check(got, reference: reference, allowed: allowed, expected: expected,
                          bitExact: kernel.sumsWithFusedMultiplyAdd, what)
                    byThreads.append(got)
                }
                #expect(byThreads[0].map(\.bitPattern) == byThreads[1].map(\.bitPattern),
                        "\(kernel) \(m)×\(n)×\(k) tA=\(ta) tB=\(tb): 1 and 2 threads differ")
            }
        }
    }

    /// Byte input (`gemmBytes`): A is scale·X for uint8 X, packed straight from the bytes; the
    /// same checks with op(A) = Float(x)·scale (the conversion `sn_gather_bytes_to_float` does).
    @Test(arguments: Self.shapes.indices)
    func everyKernelMatchesNaiveOnByteInput(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        let scale: Float = 1 / 255, beta: Float = shapeIndex % 2 == 0 ? 0 : 0.5
        var rng = SeededGenerator(seed: UInt64(shapeIndex + 100))
        let ldx = k + 3
        let x = (0..<(m * ldx)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
        var opA = [Float](repeating: 0, count: m * k)
        for i in 0..<m { for p in 0..<k { opA[i * k + p] = Float(x[i * ldx + p]) * scale } }
        let opB = uniform(k * n, seed: UInt64(shapeIndex * 5 + 1))
        let c0 = uniform(m * n, seed: UInt64(shapeIndex * 5 + 2))
        let expected = Self.kBlockRule(m: m, n: n, k: k, alpha: 1, a: opA, b: opB, beta: beta, c: c0)
        let (reference, allowed) = naiveWithBound(m: m, n: n, k: k, alpha: 1, a: opA, b: opB, beta: beta, c: c0)
        for tb in [false, true] {
            let b = Strided(op: opB, rows: k, cols: n, transposed: tb, padding: 2)
            for kernel in GEMMMicroKernel.supported {
                var byThreads: [[Float]] = []
                for threads in [1, 2] {
                    let out = Strided(op: c0, rows: m, cols: n, transposed: false, padding: 5, pad: 12345)
                    x.withUnsafeBufferPointer { xp in b.storage.withUnsafeBufferPointer { bp in
                        out.storage.withUnsafeMutableBufferPointer { cp in
                            fast.gemmBytes(using: kernel, threads: threads, transB: tb, m: m, n: n, k: k, scale: scale,
                                           x: xp.baseAddress!, ldx: ldx, b: bp.baseAddress!, ldb: b.ld,
                                           beta: beta, c: cp.baseAddress!, ldc: out.ld)
                        }
                    } }
                    let what = "bytes \(kernel) \(m)×\(n)×\(k) tB=\(tb) β=\(beta), \(threads) threads"
                    #expect(out.paddingUntouched(12345), "\(what): C's row padding was written")
                    let got = out.op
                    check(got, reference: reference, allowed: allowed, expected: expected,
                          bitExact: kernel.sumsWithFusedMultiplyAdd, what)
                    byThreads.append(got)
                }
                #expect(byThreads[0].map(\.bitPattern) == byThreads[1].map(\.bitPattern),
                        "bytes \(kernel) \(m)×\(n)×\(k) tB=\(tb): 1 and 2 threads differ")
            }
        }
    }

    // MARK: - Oracles

    /// The K-block rule written out: op(A) (m, k), op(B) (k, n), C (m, n), all row-major, dense.
    static func kBlockRule(m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                           beta: Float, c: [Float]) -> [Float] {
        let blocks = (k + 511) / 512, blockLength = (k + blocks - 1) / blocks
        var out = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
            for i in 0..<m {
                for j in 0..<n {
                    var value: Float = 0
                    for start in stride(from: 0, to: k, by: blockLength) {
                        var partial: Float = 0
                        for p in start..<min(start + blockLength, k) { partial.addProduct(a[i * k + p], b[p * n + j]) }
                        let scaled = alpha * partial
                        if start == 0 {
                            value = beta == 0 ? scaled : scaled + beta * c[i * n + j]
                        } else {
                            value = scaled + value
                        }
                    }
                    out[i * n + j] = value
                }
            }
        } }
        return out
    }

    /// The naive product and, per element, the error it may be off by in any summation order:
    /// a k-term dot product in float32 is within about k·ε·Σ|a||b| of exact (ε = 2⁻²⁴, the unit
    /// roundoff), and scaling by alpha and adding beta·C add a few roundings of
    /// |alpha|·Σ|a||b| + |beta|·|c|. Two such results differ by at most twice that; the bound
    /// takes 4·(k + 2)·ε·(|alpha|·(|A|·|B|) + |beta|·|C|) for slack. Relative, not absolute:
    /// it scales with the magnitudes that were summed, so it is tight for cancelling sums too.
    func naiveWithBound(m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                        beta: Float, c: [Float]) -> ([Float], [Float]) {
        var reference = c
        var magnitude = [Float](repeating: 0, count: m * n)
        let absA = a.map(abs), absB = b.map(abs)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
            reference.withUnsafeMutableBufferPointer { cp in
                naive.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: k,
                           b: bp.baseAddress!, ldb: n, beta: beta, c: cp.baseAddress!, ldc: n)
            }
        } }
        absA.withUnsafeBufferPointer { ap in absB.withUnsafeBufferPointer { bp in
            magnitude.withUnsafeMutableBufferPointer { cp in
                naive.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: k,
                           b: bp.baseAddress!, ldb: n, beta: 0, c: cp.baseAddress!, ldc: n)
            }
        } }
        let epsilon = Float.ulpOfOne / 2
        let allowed = (0..<(m * n)).map { index in
            let old = beta == 0 ? 0 : abs(beta * c[index])
            return 4 * Float(k + 2) * epsilon * (abs(alpha) * magnitude[index] + old) + 1e-30
        }
        return (reference, allowed)
    }

    func check(_ got: [Float], reference: [Float], allowed: [Float], expected: [Float],
               bitExact: Bool, _ what: String) {
        var outside = 0, differing = 0
        for index in got.indices {
            if !(abs(got[index] - reference[index]) <= allowed[index]) { outside += 1 }
            if got[index].bitPattern != expected[index].bitPattern { differing += 1 }
        }
        #expect(outside == 0, "\(what): \(outside) of \(got.count) elements outside the rounding bound of naive")
        if bitExact {
            #expect(differing == 0, "\(what): \(differing) of \(got.count) elements differ from the K-block rule")
        }
    }

}

/// A (rows, cols) matrix stored row-major with `padding` extra floats per stored row, or stored
/// transposed (cols, rows); the padding holds `pad` (NaN by default: reading it would show).
private final class Strided {
    var storage: [Float]
    let rows: Int, cols: Int, transposed: Bool, ld: Int

    init(op: [Float], rows: Int, cols: Int, transposed: Bool, padding: Int, pad: Float = .nan) {
        self.rows = rows
        self.cols = cols
        self.transposed = transposed
        ld = (transposed ? rows : cols) + padding
        storage = [Float](repeating: pad, count: (transposed ? cols : rows) * ld)
        for i in 0..<rows { for j in 0..<cols { storage[index(i, j)] = op[i * cols + j] } }
    }

    func index(_ i: Int, _ j: Int) -> Int { transposed ? j * ld + i : i * ld + j }

    /// The logical matrix, dense row-major.
    var op: [Float] {
        var out = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows { for j in 0..<cols { out[i * cols + j] = storage[index(i, j)] } }
        return out
    }

    func paddingUntouched(_ pad: Float) -> Bool {
        let stored = transposed ? cols : rows, width = transposed ? rows : cols
        for r in 0..<stored { for p in width..<ld where storage[r * ld + p] != pad { return false } }
        return true
    }
}
