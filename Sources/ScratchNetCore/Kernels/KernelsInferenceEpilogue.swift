/// The plain form of the fused inference kernels: the product, then the bias
/// pass, then the ReLU pass. ``NaiveKernels`` runs it (the oracle the fused C
/// epilogue is checked against, bit for bit); `FastKernels` fuses the passes.
/// Likewise the convolution's inference forward is the plain forward, with
/// nothing prepared; `FastKernels` keeps the Winograd weights between calls.
extension Kernels {
    public func prepareConvolutionInference(weight: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                            geometry: WindowGeometry, filters: Int) {}

    public func convolutionInferenceForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                            scratch: UnsafeMutablePointer<Float>, geometry: WindowGeometry,
                                            filters: Int) {
        convolutionForward(x, weight: weight, bias: bias, into: out, scratch: scratch, geometry: geometry,
                           filters: filters)
    }

    public func gemmBiasActivation(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                   b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                   c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
             beta: 0, c: c, ldc: ldc)
        applyBiasActivation(m: m, n: n, bias: bias, relu: relu, c: c, ldc: ldc)
    }

    public func gemmBytesBiasActivation(m: Int, n: Int, k: Int, scale: Float, x: UnsafePointer<UInt8>, ldx: Int,
                                        b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemmBytes(transB: false, m: m, n: n, k: k, scale: scale, x: x, ldx: ldx, b: b, ldb: ldb,
                  beta: 0, c: c, ldc: ldc)
        applyBiasActivation(m: m, n: n, bias: bias, relu: relu, c: c, ldc: ldc)
    }

    /// The bias and ReLU passes, row by row (rows `ldc` apart).
    func applyBiasActivation(m: Int, n: Int, bias: UnsafePointer<Float>, relu: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        for r in 0..<m {
            addBias(c + r * ldc, bias: bias, rows: 1, cols: n)
            if relu { self.relu(c + r * ldc, into: c + r * ldc, count: n) }
        }
    }
}
