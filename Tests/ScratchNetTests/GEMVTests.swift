import Testing
import ScratchNet
import ScratchNetTestSupport

/// Products of few rows (one sample at inference) take the GEMM's matrix-vector path
/// (gemm_gemv.c) instead of the micro-kernels, up to a per-kernel row limit (2 or 4 rows; 2 with Bᵀ).
/// The project promises that the batch size does not change a result, so on every micro-kernel
/// the CPU runs, forced one at a time, rows 0..<m of an m-row product must equal, bit for bit,
/// the same rows of a 33-row product (which runs on the micro-kernels), for m = 1...5 (both
/// sides of every limit), on odd shapes: N 1, 7, 10, 33, 100, 257; K 1, 7, 33, 784 and 1100
/// (past SN_GEMM_KC: several K blocks). Covered: the plain product with alpha and beta (every
/// transpose combination), the bias+ReLU epilogue, and byte input; C's row padding untouched;
/// within rounding of the naive twin (`NaiveKernels`); 1 and 2 threads the same.
@Suite("GEMM matrix-vector path")
struct GEMVTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    static let columns = [1, 7, 10, 33, 100, 257]
    static let depths = [1, 7, 33, 784, 1100]
    static let rowCounts = [1, 2, 3, 4, 5]
    static let bigRows = 33
    static let pad: Float = 12345

    @Test(arguments: Self.columns)
    func productRowsEqualTheRowsOfALargerProduct(n: Int) {
        let alpha: Float = 0.75, beta: Float = 0.5
        let big = Self.bigRows, ldc = n + 3
        for k in Self.depths {
            let opA = uniform(big * k, seed: UInt64(n * 7 + k))
            let opB = uniform(k * n, seed: UInt64(n * 11 + k))
            let c0 = uniform(big * n, seed: UInt64(n * 13 + k))
            var reference = padded(c0, rows: big, n: n, ldc: n)
            naive.gemm(transA: false, transB: false, m: big, n: n, k: k, alpha: alpha, a: opA, lda: k,
                       b: opB, ldb: n, beta: beta, c: &reference, ldc: n)
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = ta ? transpose(opA, rows: big, cols: k) : opA
                let b = tb ? transpose(opB, rows: k, cols: n) : opB
                for kernel in GEMMMicroKernel.supported {
                    var whole = padded(c0, rows: big, n: n, ldc: ldc)
                    fast.gemm(using: kernel, threads: 1, transA: ta, transB: tb, m: big, n: n, k: k, alpha: alpha,
                              a: a, lda: ta ? big : k, b: b, ldb: tb ? k : n, beta: beta, c: &whole, ldc: ldc)
                    for m in Self.rowCounts {
                        for threads in [1, 2] {
                            var rows = padded(c0, rows: m, n: n, ldc: ldc)
                            fast.gemm(using: kernel, threads: threads, transA: ta, transB: tb, m: m, n: n, k: k,
                                      alpha: alpha, a: a, lda: ta ? big : k, b: b, ldb: tb ? k : n,
                                      beta: beta, c: &rows, ldc: ldc)
                            let what = "\(kernel) \(m)×\(n)×\(k) tA=\(ta) tB=\(tb), \(threads) threads"
                            expectSameRows(rows, whole, m: m, n: n, ldc: ldc, what)
                            expectNear(rows, reference, m: m, n: n, ldc: ldc, k: k, what)
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Self.columns)
    func epilogueRowsEqualTheRowsOfALargerProduct(n: Int) {
        let big = Self.bigRows, ldc = n + 1
        for k in Self.depths {
            let opA = uniform(big * k, seed: UInt64(n * 17 + k))
            let opB = uniform(k * n, seed: UInt64(n * 19 + k))
            let bias = uniform(n, seed: UInt64(n * 23 + k))
            for relu in [false, true] {
                var reference = [Float](repeating: 0, count: big * n)
                naive.gemmBiasActivation(m: big, n: n, k: k, a: opA, lda: k, b: opB, ldb: n, bias: bias, relu: relu,
                                         c: &reference, ldc: n)
                for (ta, tb) in [(false, false), (true, false), (false, true)] {
                    let a = ta ? transpose(opA, rows: big, cols: k) : opA
                    let b = tb ? transpose(opB, rows: k, cols: n) : opB
                    for kernel in GEMMMicroKernel.supported {
                        var whole = [Float](repeating: Self.pad, count: big * ldc)
                        fast.gemmBiasActivation(using: kernel, threads: 1, transA: ta, transB: tb, m: big, n: n, k: k,
                                                a: a, lda: ta ? big : k, b: b, ldb: tb ? k : n, bias: bias,
                                                relu: relu, c: &whole, ldc: ldc)
                        for m in Self.rowCounts {
                            for threads in [1, 2] {
                                var rows = [Float](repeating: Self.pad, count: m * ldc)
                                rows[0] = .nan  // beta is 0: the old C is never read
                                fast.gemmBiasActivation(using: kernel, threads: threads, transA: ta, transB: tb,
                                                        m: m, n: n, k: k, a: a, lda: ta ? big : k, b: b,
                                                        ldb: tb ? k : n, bias: bias, relu: relu, c: &rows, ldc: ldc)
                                let what = "bias+act \(kernel) \(m)×\(n)×\(k) tA=\(ta) tB=\(tb) relu=\(relu), \(threads) threads"
                                expectSameRows(rows, whole, m: m, n: n, ldc: ldc, what)
                                expectNear(rows, reference, m: m, n: n, ldc: ldc, k: k, what)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Self.columns)
    func byteRowsEqualTheRowsOfALargerProduct(n: Int) {
        let big = Self.bigRows, ldc = n + 2, scale: Float = 1 / 255
        for k in Self.depths {
            let ldx = k + 5
            var rng = SeededGenerator(seed: UInt64(n * 29 + k))
            let x = (0..<(big * ldx)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
            let opB = uniform(k * n, seed: UInt64(n * 31 + k))
            let bias = uniform(n, seed: UInt64(n * 37 + k))
            for relu in [false, true] {
                var reference = [Float](repeating: 0, count: big * n)
                naive.gemmBytesBiasActivation(m: big, n: n, k: k, scale: scale, x: x, ldx: ldx, b: opB, ldb: n,
                                              bias: bias, relu: relu, c: &reference, ldc: n)
                for tb in [false, true] {
                    let b = tb ? transpose(opB, rows: k, cols: n) : opB
                    for kernel in GEMMMicroKernel.supported {
                        var whole = [Float](repeating: Self.pad, count: big * ldc)
                        fast.gemmBytesBiasActivation(using: kernel, threads: 1, transB: tb, m: big, n: n, k: k,
                                                     scale: scale, x: x, ldx: ldx, b: b, ldb: tb ? k : n,
                                                     bias: bias, relu: relu, c: &whole, ldc: ldc)
                        var plainWhole = [Float](repeating: Self.pad, count: big * ldc)
                        fast.gemmBytes(using: kernel, threads: 1, transB: tb, m: big, n: n, k: k, scale: scale,
                                       x: x, ldx: ldx, b: b, ldb: tb ? k : n, beta: 0, c: &plainWhole, ldc: ldc)
                        for m in Self.rowCounts {
                            for threads in [1, 2] {
                                var rows = [Float](repeating: Self.pad, count: m * ldc)
                                fast.gemmBytesBiasActivation(using: kernel, threads: threads, transB: tb, m: m, n: n,
                                                             k: k, scale: scale, x: x, ldx: ldx, b: b, ldb: tb ? k : n,
                                                             bias: bias, relu: relu, c: &rows, ldc: ldc)
                                var plain = [Float](repeating: Self.pad, count: m * ldc)
                                fast.gemmBytes(using: kernel, threads: threads, transB: tb, m: m, n: n, k: k,
                                               scale: scale, x: x, ldx: ldx, b: b, ldb: tb ? k : n, beta: 0,
                                               c: &plain, ldc: ldc)
                                let what = "bytes \(kernel) \(m)×\(n)×\(k) tB=\(tb) relu=\(relu), \(threads) threads"
                                expectSameRows(rows, whole, m: m, n: n, ldc: ldc, what)
                                expectSameRows(plain, plainWhole, m: m, n: n, ldc: ldc, "plain " + what)
                                expectNear(rows, reference, m: m, n: n, ldc: ldc, k: k, what)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Products past SN_GEMM_PAR_FLOPS (2 MFLOP) split their columns between threads: the same
    /// bits at 1 and 2 threads, and as the same rows of a larger product.
    @Test(arguments: [(1, 1030, 1100), (4, 257, 1100), (3, 700, 1000)])
    func threadedRowsEqualTheRowsOfALargerProduct(m: Int, n: Int, k: Int) {
        let big = Self.bigRows, ldc = n
        let a = uniform(big * k, seed: UInt64(m + n + k))
        let b = uniform(k * n, seed: UInt64(m * n + k))
        let bias = uniform(n, seed: UInt64(m + n * k))
        for kernel in GEMMMicroKernel.supported {
            var whole = [Float](repeating: Self.pad, count: big * ldc)
            fast.gemmBiasActivation(using: kernel, threads: 2, transA: false, transB: false, m: big, n: n, k: k,
                                    a: a, lda: k, b: b, ldb: n, bias: bias, relu: true, c: &whole, ldc: ldc)
            for threads in [1, 2] {
                var rows = [Float](repeating: Self.pad, count: m * ldc)
                fast.gemmBiasActivation(using: kernel, threads: threads, transA: false, transB: false, m: m, n: n,
                                        k: k, a: a, lda: k, b: b, ldb: n, bias: bias, relu: true, c: &rows, ldc: ldc)
                expectSameRows(rows, whole, m: m, n: n, ldc: ldc, "\(kernel) \(m)×\(n)×\(k), \(threads) threads")
            }
        }
    }

    // MARK: - Helpers

    /// Rows 0..<m of `rows` and `whole` (both with row stride ldc) have the same bits, and the
    /// padding of `rows` past column n is untouched.
    func expectSameRows(_ rows: [Float], _ whole: [Float], m: Int, n: Int, ldc: Int, _ what: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        var differ = 0, padding = 0
        for r in 0..<m {
            for c in 0..<n where rows[r * ldc + c].bitPattern != whole[r * ldc + c].bitPattern { differ += 1 }
            for c in n..<ldc where rows[r * ldc + c] != Self.pad { padding += 1 }
        }
        #expect(differ == 0, "\(what): \(differ) elements differ from the larger product's rows", sourceLocation: sourceLocation)
        #expect(padding == 0, "\(what): C's row padding was written", sourceLocation: sourceLocation)
    }

    /// Within float rounding of the naive result (row stride n): inputs are in [-1, 1), so a sum
    /// of k products, scaled and added to beta·C or a bias, is off by at most about (k + 2)²·2⁻²³.
    func expectNear(_ got: [Float], _ reference: [Float], m: Int, n: Int, ldc: Int, k: Int, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let bound = Float(k + 2) * Float(k + 2) * Float.ulpOfOne
        var outside = 0
        for r in 0..<m {
            for c in 0..<n where !(abs(got[r * ldc + c] - reference[r * n + c]) <= bound) { outside += 1 }
        }
        #expect(outside == 0, "\(what): \(outside) elements outside the rounding bound of naive", sourceLocation: sourceLocation)
    }

    /// The first `rows` rows of the (·, n) matrix x with row stride ldc, padding filled with `pad`.
    func padded(_ x: [Float], rows: Int, n: Int, ldc: Int) -> [Float] {
        var out = [Float](repeating: Self.pad, count: rows * ldc)
        for r in 0..<rows { for c in 0..<n { out[r * ldc + c] = x[r * n + c] } }
        return out
    }


}
