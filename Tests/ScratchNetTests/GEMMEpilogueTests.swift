import Testing
import ScratchNet
import ScratchNetTestSupport

/// The inference epilogue (`gemmBiasActivation`, `gemmBytesBiasActivation`): bias and ReLU
/// applied to each block of C after its last K block, on every GEMM micro-kernel the CPU runs,
/// forced one at a time, at 1 and 2 threads, on odd shapes. Bit for bit the same kernel's
/// plain product followed by the bias and ReLU passes, and within rounding of the naive twin
/// (`NaiveKernels`, which runs those three steps in plain Swift). Shapes with few columns and
/// many rows (7 or 10 columns, 33+ rows) take the 6x16 paths' transposed product, whose
/// epilogue adds the bias along C's rows of the computed product; 257×257×784 and 100×100×784
/// are packed, in two K blocks, and split between 2 threads.
@Suite("GEMM inference epilogue")
struct GEMMEpilogueTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 33, 7), (7, 1, 33), (7, 33, 100), (33, 7, 1), (100, 7, 33), (100, 10, 784),
        (33, 100, 7), (100, 100, 784), (257, 12, 100), (257, 257, 784),
    ]

    @Test(arguments: Self.shapes.indices)
    func epilogueEqualsProductThenBiasThenReLU(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        let opA = uniform(m * k, seed: UInt64(shapeIndex * 4 + 1))
        let opB = uniform(k * n, seed: UInt64(shapeIndex * 4 + 2))
        let bias = uniform(n, seed: UInt64(shapeIndex * 4 + 3))
        let ldc = n + 3
        for relu in [false, true] {
            let reference = naiveResult(m: m, n: n, k: k, a: opA, b: opB, bias: bias, relu: relu)
            for (ta, tb) in [(false, false), (true, false), (false, true)] {
                let a = ta ? transpose(opA, rows: m, cols: k) : opA
                let b = tb ? transpose(opB, rows: k, cols: n) : opB
                for kernel in GEMMMicroKernel.supported {
                    for threads in [1, 2] {
                        var plain = [Float](repeating: 12345, count: m * ldc)
                        var fused = plain
                        fused[0] = .nan  // beta is 0: the old C is never read
                        fast.gemm(using: kernel, threads: threads, transA: ta, transB: tb, m: m, n: n, k: k,
                                  alpha: 1, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n, beta: 0, c: &plain, ldc: ldc)
                        for r in 0..<m {
                            for c in 0..<n {
                                let v = plain[r * ldc + c] + bias[c]
                                plain[r * ldc + c] = relu ? (v > 0 ? v : 0) : v
                            }
                        }
                        fast.gemmBiasActivation(using: kernel, threads: threads, transA: ta, transB: tb, m: m, n: n, k: k,
                                                a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n, bias: bias, relu: relu,
                                                c: &fused, ldc: ldc)
                        let what = "\(kernel) \(m)×\(n)×\(k) tA=\(ta) tB=\(tb) relu=\(relu), \(threads) threads"
                        #expect(fused.map(\.bitPattern) == plain.map(\.bitPattern), "\(what): differs from product, bias, ReLU")
                        expectNear(fused, reference, ldc: ldc, n: n, k: k, what)
                    }
                }
            }
        }
    }

    @Test(arguments: Self.shapes.indices)
    func byteEpilogueEqualsProductThenBiasThenReLU(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        var rng = SeededGenerator(seed: UInt64(shapeIndex + 40))
        let ldx = k + 5, scale: Float = 1 / 255
        let x = (0..<(m * ldx)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
        var opA = [Float](repeating: 0, count: m * k)
        for i in 0..<m { for p in 0..<k { opA[i * k + p] = Float(x[i * ldx + p]) * scale } }
        let opB = uniform(k * n, seed: UInt64(shapeIndex * 4 + 2))
        let bias = uniform(n, seed: UInt64(shapeIndex * 4 + 3))
        let ldc = n + 1
        for relu in [false, true] {
            let reference = naiveResult(m: m, n: n, k: k, a: opA, b: opB, bias: bias, relu: relu)
            var naiveBytes = [Float](repeating: 12345, count: m * ldc)
            naive.gemmBytesBiasActivation(m: m, n: n, k: k, scale: scale, x: x, ldx: ldx, b: opB, ldb: n,
                                          bias: bias, relu: relu, c: &naiveBytes, ldc: ldc)
            expectNear(naiveBytes, reference, ldc: ldc, n: n, k: k, "naive bytes \(m)×\(n)×\(k)")
            for tb in [false, true] {
                let b = tb ? transpose(opB, rows: k, cols: n) : opB
                for kernel in GEMMMicroKernel.supported {
                    for threads in [1, 2] {
                        var plain = [Float](repeating: 12345, count: m * ldc)
                        var fused = plain
                        fast.gemmBytes(using: kernel, threads: threads, transB: tb, m: m, n: n, k: k, scale: scale,
                                       x: x, ldx: ldx, b: b, ldb: tb ? k : n, beta: 0, c: &plain, ldc: ldc)
                        for r in 0..<m {
                            for c in 0..<n {
                                let v = plain[r * ldc + c] + bias[c]
                                plain[r * ldc + c] = relu ? (v > 0 ? v : 0) : v
                            }
                        }
                        fast.gemmBytesBiasActivation(using: kernel, threads: threads, transB: tb, m: m, n: n, k: k,
                                                     scale: scale, x: x, ldx: ldx, b: b, ldb: tb ? k : n,
                                                     bias: bias, relu: relu, c: &fused, ldc: ldc)
                        let what = "bytes \(kernel) \(m)×\(n)×\(k) tB=\(tb) relu=\(relu), \(threads) threads"
                        #expect(fused.map(\.bitPattern) == plain.map(\.bitPattern), "\(what): differs from product, bias, ReLU")
                        expectNear(fused, reference, ldc: ldc, n: n, k: k, what)
                    }
                }
            }
        }
    }

    /// The fused inference pass of whole networks (ReLU, sigmoid, BatchNorm between Affine and
    /// activation, byte input) gives the logits of the layer-by-layer pass, bit for bit.
    @Test(arguments: [(Activation.relu, false), (.relu, true), (.sigmoid, false)])
    func fusedNetworkInferenceEqualsLayerByLayer(activation: Activation, batchNorm: Bool) throws {
        let spec = NetworkSpec.multiLayer(inputShape: [1, 7, 7], hidden: [33, 7], outputs: 10,
                                          activation: activation == .relu ? .relu : .sigmoid, batchNorm: batchNorm)
        let network = try Network(spec: spec, maxBatch: 100, seed: 3, threads: 2)
        var rng = SeededGenerator(seed: 9)
        let bytes = (0..<(100 * 49)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
        for batch in [1, 7, 100] {
            network.kernels.convertBytes(bytes, rows: batch, sampleSize: 49, scale: 1 / 255, into: network.inputBuffer.pointer)
            let plain = network.forward(batch: batch, training: false).toArray()
            let fused = network.inferenceForward(batch: batch).toArray()
            let fromBytes = bytes.withUnsafeBufferPointer { network.forward(bytes: $0.baseAddress!, batch: batch, scale: 1 / 255).toArray() }
            #expect(fused.map(\.bitPattern) == plain.map(\.bitPattern), "batch \(batch): fused float pass differs")
            #expect(fromBytes.map(\.bitPattern) == plain.map(\.bitPattern), "batch \(batch): fused byte pass differs")
        }
    }

    enum Activation: CustomStringConvertible { case relu, sigmoid
        var description: String { self == .relu ? "relu" : "sigmoid" }
    }

    // MARK: - Helpers

    /// NaiveKernels' gemmBiasActivation (the twin) on dense (m, k) and (k, n), C with row stride n.
    func naiveResult(m: Int, n: Int, k: Int, a: [Float], b: [Float], bias: [Float], relu: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        naive.gemmBiasActivation(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, bias: bias, relu: relu, c: &c, ldc: n)
        return c
    }

    /// Within float rounding of the naive result: inputs are in [-1, 1), so a sum of k products
    /// and a bias is off by at most about (k + 1)·2⁻²³·(k + 1); C's row padding stays untouched.
    func expectNear(_ got: [Float], _ reference: [Float], ldc: Int, n: Int, k: Int, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let m = reference.count / max(n, 1)
        let bound = Float(k + 1) * Float(k + 1) * Float.ulpOfOne
        var outside = 0, padding = 0
        for r in 0..<m {
            for c in 0..<n where !(abs(got[r * ldc + c] - reference[r * n + c]) <= bound) { outside += 1 }
            for c in n..<ldc where got[r * ldc + c] != 12345 { padding += 1 }
        }
        #expect(outside == 0, "\(what): \(outside) elements outside the rounding bound of naive", sourceLocation: sourceLocation)
        #expect(padding == 0, "\(what): C's row padding was written", sourceLocation: sourceLocation)
    }


}
