import Testing
import ScratchNet
import ScratchNetTestSupport

/// A first Affine layer multiplying byte images directly (`gemmBytes`, the
/// inference path of ``Network/forward(bytes:batch:scale:)``) against the
/// naive oracle and against converting to floats first.
@Suite("Byte input: the first product reads bytes", .serialized)
struct ByteInputTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    func withThreadCounts(_ body: () throws -> Void) rethrows {
        defer { fast.threads = 1 }
        for threads in [1, 2] {
            fast.threads = threads
            try body()
        }
    }

    /// (m, k) seeded bytes at row stride ldx.
    func randomBytes(rows: Int, stride: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return (0..<max(1, rows * stride)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// The bytes as the gather converts them: x · scale, one rounding.
    func converted(_ x: [UInt8], scale: Float) -> [Float] { x.map { Float($0) * scale } }

    @Test func gemmBytesMatchesNaiveOnAwkwardShapes() {
        let scale: Float = 1 / 255
        var seed: UInt64 = 40
        withThreadCounts {
            for m in [1, 7, 33, 100, 257] { for n in [1, 7, 33, 100] { for k in [1, 7, 33, 100, 257] {
                for transB in [false, true] {
                    for beta: Float in [0, 0.5] {
                        seed += 1
                        let ldx = k + 3, ldb = (transB ? k : n) + 2, ldc = n + 1
                        let x = randomBytes(rows: m, stride: ldx, seed: seed)
                        var b = [Float](repeating: 0, count: (transB ? n : k) * ldb)
                        var c1 = [Float](repeating: 0, count: m * ldc)
                        fillUniform(&b, count: b.count, seed: seed + 1)
                        fillUniform(&c1, count: c1.count, seed: seed + 2)
                        var c2 = c1
                        fast.gemmBytes(transB: transB, m: m, n: n, k: k, scale: scale, x: x, ldx: ldx,
                                       b: b, ldb: ldb, beta: beta, c: &c1, ldc: ldc)
                        naive.gemmBytes(transB: transB, m: m, n: n, k: k, scale: scale, x: x, ldx: ldx,
                                        b: b, ldb: ldb, beta: beta, c: &c2, ldc: ldc)
                        // Every |x·scale| ≤ 1 and |b| ≤ 1, so Σ|products| ≤ k: summation order moves
                        // a result by at most about (k + 2)·ε·k; ×4 for slack.
                        let allowed = 4 * Float(k + 2) * Float.ulpOfOne * Float(k + 1)
                        var violations = 0
                        for i in 0..<m {
                            for j in 0..<n where abs(c1[i * ldc + j] - c2[i * ldc + j]) > allowed { violations += 1 }
                            #expect(c1[i * ldc + n] == c2[i * ldc + n], "padding column written")
                        }
                        #expect(violations == 0, "gemmBytes m=\(m) n=\(n) k=\(k) transB=\(transB) β=\(beta): \(violations) entries off")
                    }
                }
            } } }
        }
    }

    @Test(arguments: [(1000, 100, 784), (100, 100, 784), (7, 33, 257), (400, 1030, 1027), (1, 10, 784)])
    func gemmBytesEqualsConvertingFirstBitForBit(m: Int, n: Int, k: Int) {
        let scale: Float = 1 / 255
        let x = randomBytes(rows: m, stride: k, seed: UInt64(m * 7 + n))
        let a = converted(x, scale: scale)
        var b = [Float](repeating: 0, count: k * n)
        fillUniform(&b, count: b.count, seed: 3)
        withThreadCounts {
            var fromBytes = [Float](repeating: .nan, count: m * n)
            var fromFloats = [Float](repeating: .nan, count: m * n)
            fast.gemmBytes(transB: false, m: m, n: n, k: k, scale: scale, x: x, ldx: k,
                           b: b, ldb: n, beta: 0, c: &fromBytes, ldc: n)
            fast.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                      b: b, ldb: n, beta: 0, c: &fromFloats, ldc: n)
            #expect(fromBytes == fromFloats, "\(m)×\(n)×\(k) at \(fast.threads) threads")
        }
    }

    /// The network path: logits from bytes equal those of filling the float
    /// input buffer and running forward, for a first Affine (bytes read
    /// directly) and a first convolution (converted, the fallback); accuracy
    /// counts agree too.
    @Test(arguments: [Preset.twoLayer, Preset.simpleCNN])
    func networkLogitsFromBytesEqualThoseFromFloats(preset: Preset) throws {
        let data = randomLabeledImages(count: 37, shape: [1, 28, 28], seed: 5)
        let network = try Network(spec: preset.spec(), maxBatch: 16, seed: 9)
        for threads in [1, 2] {
            network.threads = threads
            var start = 0
            while start < data.count {
                let n = min(network.maxBatch, data.count - start)
                let fromBytes = network.inferenceLogits(on: data, start: start, count: n).toArray()
                let labels = Array(network.labelBuffer.prefix(n))
                data.fillBatch(start: start, count: n, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
                let fromFloats = network.forward(batch: n, training: false).toArray()
                #expect(fromBytes == fromFloats, "\(preset) samples \(start)..<\(start + n) at \(threads) threads")
                #expect(labels == Array(network.labelBuffer.prefix(n)))
                #expect(network.correctCount(on: data, start: start, count: n) == network.correctCount(batch: n))
                start += n
            }
        }
    }

    /// Training after an evaluation still works: the byte path keeps no input,
    /// and the next training forward stores its own.
    @Test func trainingAfterByteEvaluationMatchesTrainingWithout() throws {
        let data = randomLabeledImages(count: 20, shape: [1, 28, 28], seed: 6)
        func trainedWeights(evaluateFirst: Bool) throws -> [[Float]] {
            let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 10, optimizer: SGD(learningRate: 0.1), seed: 2)
            if evaluateFirst { _ = network.inferenceLogits(on: data, start: 0, count: 10) }
            data.fillBatch(start: 10, count: 10, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
            _ = network.trainStep(batch: 10)
            return network.weightsSnapshot()
        }
        #expect(try trainedWeights(evaluateFirst: true) == trainedWeights(evaluateFirst: false))
    }
}
