/// One matrix product C (m×n) = op(A)·op(B) as the network runs it.
struct GEMMShape: Sendable {
    /// Short name used in the benchmark name: "mlp.forward", "square.512".
    var name: String
    var transA: Bool
    var transB: Bool
    var m: Int
    var n: Int
    var k: Int
    /// The naive triple loop is too slow for the largest shapes.
    var runsNaive: Bool = true

    /// 2·m·n·k: one multiply and one add per term.
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// Leading dimensions of A, B and C as stored (row-major).
    var lda: Int { transA ? m : k }
    var ldb: Int { transB ? k : n }
    var ldc: Int { n }
    var aCount: Int { m * k }
    var bCount: Int { k * n }
    var cCount: Int { m * n }

    /// "100×784·784×100", with ᵀ on a transposed operand as stored.
    var label: String {
        let a = transA ? "\(k)×\(m)ᵀ" : "\(m)×\(k)"
        let b = transB ? "\(n)×\(k)ᵀ" : "\(k)×\(n)"
        return "\(a)·\(b)"
    }
}

extension GEMMShape {
    /// The products of training the book's networks at batch 100, plus squares.
    static let all: [GEMMShape] = [
        // Affine 784→100 at batch 100: forward x·W, weight gradient xᵀ·dout,
        // input gradient dout·Wᵀ.
        GEMMShape(name: "mlp.forward", transA: false, transB: false, m: 100, n: 100, k: 784),
        GEMMShape(name: "mlp.dW", transA: true, transB: false, m: 784, n: 100, k: 100),
        GEMMShape(name: "mlp.dx", transA: false, transB: true, m: 100, n: 784, k: 100),
        // The mlp preset's layers (784→256, 256→256) at batch 100.
        GEMMShape(name: "mlp256.forward", transA: false, transB: false, m: 100, n: 256, k: 784),
        GEMMShape(name: "mlp256.hidden", transA: false, transB: false, m: 100, n: 256, k: 256),
        // SimpleConvNet's conv (30 filters 5×5 on 1×28×28 → 24×24) at batch
        // 100 through im2col: 57 600 rows of 25 columns.
        GEMMShape(name: "conv.forward", transA: false, transB: false, m: 57_600, n: 30, k: 25),
        GEMMShape(name: "conv.dW", transA: true, transB: false, m: 25, n: 30, k: 57_600),
        GEMMShape(name: "conv.dcol", transA: false, transB: true, m: 57_600, n: 25, k: 30),
        GEMMShape(name: "square.256", transA: false, transB: false, m: 256, n: 256, k: 256),
        GEMMShape(name: "square.512", transA: false, transB: false, m: 512, n: 512, k: 512),
        GEMMShape(name: "square.1024", transA: false, transB: false, m: 1024, n: 1024, k: 1024, runsNaive: false),
    ]
}
