import CKernels

/// An int8 product path of the C kernels.
///
/// ``FastInt8Kernels`` runs the fastest one the CPU has unless told one;
/// tests name each to check every path a machine can run.
public enum Int8MicroKernel: CaseIterable, Sendable, CustomStringConvertible {
    /// Plain C, any CPU.
    case generic
    /// vpmaddubsw (u8 × s8 pairs into int16) when every pair of the
    /// layer's weights has |w| + |w'| ≤ 128, as the quantizer's [-64, 64]
    /// weights do, so nothing saturates; else ``avx2Widening``.
    case avx2
    /// vpdpbusd: four u8 × s8 products summed into each int32 lane.
    case avx512VNNI
    /// u8 and s8 widened to s16, pairs summed by vpmaddwd: exact for any
    /// int8 weights, at half ``avx2``'s rate.
    case avx2Widening

    /// The paths this CPU and build can run.
    public static var supported: [Int8MicroKernel] {
        allCases.filter { sn_qgemm_kernel_supported($0.cValue) != 0 }
    }

    public var description: String {
        switch self {
        case .generic: "generic"
        case .avx2: "avx2"
        case .avx512VNNI: "avx512-vnni"
        case .avx2Widening: "avx2-widening"
        }
    }

    var cValue: sn_qgemm_kernel {
        switch self {
        case .generic: SN_QGEMM_KERNEL_GENERIC
        case .avx2: SN_QGEMM_KERNEL_AVX2
        case .avx512VNNI: SN_QGEMM_KERNEL_AVX512_VNNI
        case .avx2Widening: SN_QGEMM_KERNEL_AVX2_WIDENING
        }
    }
}

/// The int8 kernels in C (int8/ in CKernels), on OpenMP threads.
public struct FastInt8Kernels: Int8Kernels {
    let threadCount: ThreadCount
    /// The forced path, or nil for the CPU's best.
    public let path: Int8MicroKernel?

    /// - Precondition: `path`, when given, is in ``Int8MicroKernel/supported``.
    public init(threads: Int = 1, path: Int8MicroKernel? = nil) {
        precondition(path.map { Int8MicroKernel.supported.contains($0) } ?? true, "the \(path!) int8 path does not run on this CPU")
        threadCount = ThreadCount(threads)
        self.path = path
    }

    /// The most threads a call may use (>= 1).
    public var threads: Int {
        get { threadCount.value }
        nonmutating set { threadCount.value = newValue }
    }

    @inline(__always) var nthreads: Int32 { Int32(truncatingIfNeeded: threadCount.value) }
    var cPath: sn_qgemm_kernel { path?.cValue ?? SN_QGEMM_KERNEL_AUTO }

    public func packedWeightBytes(outputs: Int, inputs: Int) -> Int {
        Int(sn_qgemm_packed_bytes(Int32(outputs), Int32(inputs)))
    }

    public func packWeights(_ w: UnsafePointer<Int8>, outputs: Int, inputs: Int, into packed: UnsafeMutablePointer<Int8>) {
        sn_qgemm_pack_weights(Int32(outputs), Int32(inputs), w, Int32(inputs), packed)
    }

    @inline(__always)
    static func withStage<R>(_ s: QuantizedOutputStage, _ body: (UnsafePointer<sn_qgemm_output>) -> R) -> R {
        var o = sn_qgemm_output()
        o.bias = s.bias
        o.scale = s.scale
        o.rs = s.rowStride
        o.cs = s.columnStride
        switch s.destination {
        case let .bytes(out, zeroPoint, lowest):
            o.out_u8 = 1; o.out_q = out; o.zero_point = zeroPoint; o.lo = lowest
        case let .floats(out, relu):
            o.out_u8 = 0; o.out_f = out; o.relu = relu ? 1 : 0
        }
        return withUnsafePointer(to: &o) { body($0) }
    }

    public func quantizedProduct(m: Int, n: Int, k: Int, a: UnsafePointer<UInt8>, lda: Int,
                                 weights: Int8Weights, output: QuantizedOutputStage) {
        let status = Self.withStage(output) {
            sn_qgemm_with_kernel(cPath, nthreads, Int32(m), Int32(n), Int32(k), a, Int32(lda), weights.packed, $0)
        }
        precondition(status == 0, "int8 product path not supported")
    }

    public func quantizedConvolutionScratchBytes(geometry: WindowGeometry, filters: Int, threads: Int) -> Int {
        Int(sn_qconv_scratch_bytes(FastKernels.convGeometry(geometry, filters: filters), Int32(threads)))
    }

    /// The C convolutions' common signature.
    private typealias ConvolutionEntry = @convention(c) (
        sn_qgemm_kernel, Int32, UnsafePointer<UInt8>?, Int32, UnsafePointer<Int8>?, UnsafePointer<sn_qgemm_output>?,
        UnsafeMutablePointer<UInt8>?, sn_conv_geometry) -> Int32

    private func convolve(_ entry: ConvolutionEntry, _ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                          output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                          geometry: WindowGeometry, filters: Int) {
        let g = FastKernels.convGeometry(geometry, filters: filters)
        let status = Self.withStage(output) { entry(cPath, nthreads, x, Int32(zeroPoint), weights.packed, $0, scratch, g) }
        precondition(status == 0, "int8 product path not supported")
    }

    public func quantizedConvolution(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                     output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                     geometry: WindowGeometry, filters: Int) {
        convolve(sn_qconv_forward, x, zeroPoint: zeroPoint, weights: weights, output: output, scratch: scratch,
                 geometry: geometry, filters: filters)
    }

    public func quantizedConvolutionChannelsLast(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                                 output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                                 geometry: WindowGeometry, filters: Int) {
        convolve(sn_qconv_nhwc_forward, x, zeroPoint: zeroPoint, weights: weights, output: output, scratch: scratch,
                 geometry: geometry, filters: filters)
    }

    public func quantizedConvolutionChannelsLastPooled(_ x: UnsafePointer<UInt8>, zeroPoint: Int, weights: Int8Weights,
                                                       output: QuantizedOutputStage, scratch: UnsafeMutablePointer<UInt8>,
                                                       geometry: WindowGeometry, filters: Int) {
        convolve(sn_qconv_nhwc_pool2_forward, x, zeroPoint: zeroPoint, weights: weights, output: output, scratch: scratch,
                 geometry: geometry, filters: filters)
    }

    public func maxPoolChannelsLast(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry g: WindowGeometry) {
        sn_maxpool_u8_nhwc_forward(nthreads, x, y, Int32(g.batch), Int32(g.channels), Int32(g.height), Int32(g.width),
                                   Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.stride), Int32(g.padding),
                                   Int32(g.outputHeight), Int32(g.outputWidth))
    }

    public func quantize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                         inverseScale: Float, zeroPoint: Int) {
        sn_quantize_u8(nthreads, x, y, count, inverseScale, Int32(zeroPoint))
    }

    public func lookup(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, count: Int,
                       table: UnsafePointer<UInt8>) {
        sn_lookup_u8(nthreads, x, y, count, table)
    }

    public func maxPool(_ x: UnsafePointer<UInt8>, into y: UnsafeMutablePointer<UInt8>, geometry g: WindowGeometry) {
        sn_maxpool_u8_forward(nthreads, x, y, Int32(g.batch), Int32(g.channels), Int32(g.height), Int32(g.width),
                              Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.stride), Int32(g.padding),
                              Int32(g.outputHeight), Int32(g.outputWidth))
    }
}
