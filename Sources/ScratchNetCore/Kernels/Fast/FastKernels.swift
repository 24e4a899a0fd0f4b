import CKernels

/// The production kernels: matrix multiply, softmax/cross-entropy,
/// convolution, pooling, the SGD/Momentum/Adam updates and the batch
/// gathers in C (blocked, vectorized, OpenMP-parallel), elementwise ops in
/// Swift SIMD. This folder is the only Swift code that calls C.
///
/// The thread count is a value this instance shares with its copies (a
/// network hands one count to all its layers): setting ``threads`` takes
/// effect from the next kernel call, on this network only.
public struct FastKernels: Kernels {
    let threadCount: ThreadCount
    /// How convolutions run: `automatic` (the per-layer choice) except where
    /// a test compares algorithms; a forced `winograd` applies where it can
    /// run, the direct product elsewhere.
    public let convolutionAlgorithm: ConvolutionAlgorithm

    /// Kernels with their own thread count (1 runs everything on the
    /// calling thread).
    public init(threads: Int = 1, convolutionAlgorithm: ConvolutionAlgorithm = .automatic) {
        threadCount = ThreadCount(threads)
        self.convolutionAlgorithm = convolutionAlgorithm
    }

    /// Kernels that follow `count` (a network's).
    init(sharing count: ThreadCount) {
        threadCount = count
        convolutionAlgorithm = .automatic
    }

    public var name: String { "fast" }

    /// The most threads a kernel call may use (>= 1); shared with every copy.
    public var threads: Int {
        get { threadCount.value }
        nonmutating set { threadCount.value = newValue }
    }

    /// The count as the C kernels take it, first argument.
    @inline(__always) var nthreads: Int32 { Int32(truncatingIfNeeded: threadCount.value) }

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sn_sgemm(nthreads, transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                 alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public func gemmBytes(transB: Bool, m: Int, n: Int, k: Int, scale: Float,
                          x: UnsafePointer<UInt8>, ldx: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sn_sgemm_bytes(nthreads, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), scale, x, Int32(ldx),
                       b, Int32(ldb), beta, c, Int32(ldc))
    }

    public func gemmBiasActivation(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                   b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                   c: UnsafeMutablePointer<Float>, ldc: Int) {
        sn_sgemm_bias_act(nthreads, 0, 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb),
                          bias, relu ? 1 : 0, c, Int32(ldc))
    }

    public func gemmBytesBiasActivation(m: Int, n: Int, k: Int, scale: Float, x: UnsafePointer<UInt8>, ldx: Int,
                                        b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        sn_sgemm_bytes_bias_act(nthreads, 0, Int32(m), Int32(n), Int32(k), scale, x, Int32(ldx), b, Int32(ldb),
                                bias, relu ? 1 : 0, c, Int32(ldc))
    }

    public func softmax(_ logits: UnsafePointer<Float>, into probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_forward(nthreads, logits, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        sn_softmax_xent_forward(nthreads, logits, labels, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_xent_backward(nthreads, probs, labels, dlogits, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    probs: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Float {
        sn_softmax_xent_forward_onehot(nthreads, logits, targets, probs, Int32(rows), Int32(cols))
    }

    public func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                            dlogits: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        sn_softmax_xent_backward_onehot(nthreads, probs, targets, dlogits, Int32(rows), Int32(cols))
    }

    public func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        SIMDElementwise.addBias(x, bias: bias, rows: rows, cols: cols)
    }

    public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        SIMDElementwise.columnSums(x, rows: rows, cols: cols, into: sums)
    }

    public func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        sn_relu_forward(nthreads, x, y, count)
    }

    public func reluBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        sn_relu_backward(nthreads, dy, y, dx, count)
    }

    public func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.sigmoid(x, into: y, count: count)
    }

    public func sigmoidBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.sigmoidBackward(dy, output: y, into: dx, count: count)
    }

    public func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.axpy(alpha: alpha, x, y, count: count)
    }
}

// MARK: - Convolution and pooling in C; tanh, dropout and batch norm in Swift SIMD

extension FastKernels {
    public func convolutionScratchCount(geometry: WindowGeometry, filters: Int) -> Int {
        Int(sn_conv_scratch_floats(Self.convGeometry(geometry, filters: filters)))
    }

    public func convolutionForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                   geometry: WindowGeometry, filters: Int) {
        let g = Self.convGeometry(geometry, filters: filters)
        if convolutionAlgorithm == .automatic
            || sn_conv_forward_with_algorithm(SN_GEMM_KERNEL_AUTO, convolutionAlgorithm.cValue, nthreads, x, weight,
                                              bias, out, scratch, g) != 0 {
            sn_conv_forward(nthreads, x, weight, bias, out, scratch, g)
        }
    }

    public func prepareConvolutionInference(weight: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                            geometry: WindowGeometry, filters: Int) {
        _ = sn_conv_prepare_inference(nthreads, weight, scratch, Self.convGeometry(geometry, filters: filters))
    }

    public func convolutionInferenceForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                            scratch: UnsafeMutablePointer<Float>, geometry: WindowGeometry,
                                            filters: Int) {
        // A forced algorithm (tests, benchmarks) runs as in training.
        guard convolutionAlgorithm == .automatic else {
            return convolutionForward(x, weight: weight, bias: bias, into: out, scratch: scratch,
                                      geometry: geometry, filters: filters)
        }
        _ = sn_conv_inference_forward(SN_GEMM_KERNEL_AUTO, nthreads, x, weight, bias, out, scratch,
                                      Self.convGeometry(geometry, filters: filters))
    }

    public func convolutionBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    gradOutput: UnsafePointer<Float>,
                                    weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                    geometry: WindowGeometry, filters: Int) {
        let g = Self.convGeometry(geometry, filters: filters)
        if convolutionAlgorithm == .automatic
            || sn_conv_backward_with_algorithm(SN_GEMM_KERNEL_AUTO, convolutionAlgorithm.cValue, nthreads, x, weight,
                                               gradOutput, weightGradient, biasGradient, inputGradient, scratch, g) != 0 {
            sn_conv_backward(nthreads, x, weight, gradOutput, weightGradient, biasGradient, inputGradient, scratch, g)
        }
    }

    static func convGeometry(_ g: WindowGeometry, filters: Int) -> sn_conv_geometry {
        sn_conv_geometry(N: Int32(g.batch), C: Int32(g.channels), H: Int32(g.height), W: Int32(g.width),
                         FN: Int32(filters), FH: Int32(g.kernelHeight), FW: Int32(g.kernelWidth),
                         stride: Int32(g.stride), pad: Int32(g.padding),
                         OH: Int32(g.outputHeight), OW: Int32(g.outputWidth))
    }

    public func maxPoolForward(_ x: UnsafePointer<Float>, relu: Bool, into y: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>, geometry g: WindowGeometry) {
        sn_maxpool_forward(nthreads, x, y, argmax, Int32(g.batch), Int32(g.channels), Int32(g.height), Int32(g.width),
                           Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.stride), Int32(g.padding),
                           Int32(g.outputHeight), Int32(g.outputWidth), relu ? 1 : 0)
    }

    public func maxPoolBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>?,
                                into dx: UnsafeMutablePointer<Float>, geometry g: WindowGeometry) {
        sn_maxpool_backward(nthreads, dy, argmax, reluOutput, dx, Int32(g.batch), Int32(g.channels), Int32(g.height), Int32(g.width),
                            Int32(g.outputHeight), Int32(g.outputWidth))
    }

    public func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.tanh(x, into: y, count: count)
    }

    public func tanhBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into dx: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.tanhBackward(dy, output: y, into: dx, count: count)
    }

    public func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
                         into y: UnsafeMutablePointer<Float>, count: Int) {
        SIMDElementwise.multiply(x, m, into: y, count: count)
    }

    public func batchNormTrainingForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                         gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                         eps: Float, momentum: Float,
                                         runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                         batchMean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                         relu: Bool, into y: UnsafeMutablePointer<Float>) {
        sn_batchnorm_training_forward(nthreads, x, Int32(batch), Int32(channels), Int32(spatial), gamma, beta, eps, momentum,
                                      runningMean, runningVariance, batchMean, invStd, y, relu ? 1 : 0)
    }

    public func batchNormInferenceForward(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                          runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                          relu: Bool, into y: UnsafeMutablePointer<Float>) {
        sn_batchnorm_inference_forward(nthreads, x, Int32(batch), Int32(channels), Int32(spatial), gamma, beta, eps,
                                       runningMean, runningVariance, y, relu ? 1 : 0)
    }

    public func batchNormBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
                                  batchMean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, relu: Bool,
                                  batch: Int, channels: Int, spatial: Int,
                                  dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                  into dx: UnsafeMutablePointer<Float>?) {
        sn_batchnorm_backward(nthreads, dy, x, batchMean, invStd, gamma, beta, relu ? 1 : 0,
                              Int32(batch), Int32(channels), Int32(spatial), dgamma, dbeta, dx)
    }
}
