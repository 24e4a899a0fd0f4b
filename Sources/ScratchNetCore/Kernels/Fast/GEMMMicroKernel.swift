import CKernels

/// A register-blocked micro-kernel of the C matrix multiply.
///
/// `FastKernels.gemm` runs the fastest one the CPU has. Naming one runs a
/// product on it instead, so tests can check every kernel a machine can run,
/// not only the one it would pick. The choice is per call: concurrent callers
/// never affect each other.
public enum GEMMMicroKernel: CaseIterable, Sendable, CustomStringConvertible {
    /// 6×16 tile on portable 8-float vectors; any CPU. On x86-64-v3 CPUs it
    /// sums with fused multiply-adds, below that with a multiply and an add.
    case generic
    /// 6×16 tile with AVX2+FMA intrinsics.
    case avx2
    /// 12×32 tile with AVX-512 (x86-64-v4).
    case avx512

    /// The kernels this CPU and build can run.
    public static var supported: [GEMMMicroKernel] {
        allCases.filter { sn_gemm_kernel_supported($0.cValue) != 0 }
    }

    /// Whether every element is summed with fused multiply-adds in k order
    /// within K blocks of at most 512, the blocks added in order — the rule
    /// `FastKernels.gemm` follows on every FMA machine.
    public var sumsWithFusedMultiplyAdd: Bool { self != .generic }

    public var description: String {
        switch self {
        case .generic: "generic"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    var cValue: sn_gemm_kernel {
        switch self {
        case .generic: SN_GEMM_KERNEL_GENERIC
        case .avx2: SN_GEMM_KERNEL_AVX2
        case .avx512: SN_GEMM_KERNEL_AVX512
        }
    }
}

extension FastKernels {
    /// `gemm` on a chosen micro-kernel and thread count:
    /// C = alpha·op(A)·op(B) + beta·C, op(A) (m, k), op(B) (k, n), C (m, n), row-major.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func gemm(using kernel: GEMMMicroKernel, threads: Int,
                     transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_sgemm_with_kernel(kernel.cValue, Int32(threads), transA ? 1 : 0, transB ? 1 : 0,
                                          Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                                          b, Int32(ldb), beta, c, Int32(ldc))
        precondition(status == 0, "the \(kernel) GEMM micro-kernel does not run on this CPU")
    }

    /// `gemmBytes` on a chosen micro-kernel and thread count:
    /// C = (scale·X)·op(B) + beta·C with X (m, k) row-major bytes.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func gemmBytes(using kernel: GEMMMicroKernel, threads: Int,
                          transB: Bool, m: Int, n: Int, k: Int, scale: Float,
                          x: UnsafePointer<UInt8>, ldx: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_sgemm_bytes_with_kernel(kernel.cValue, Int32(threads), transB ? 1 : 0,
                                                Int32(m), Int32(n), Int32(k), scale, x, Int32(ldx),
                                                b, Int32(ldb), beta, c, Int32(ldc))
        precondition(status == 0, "the \(kernel) GEMM micro-kernel does not run on this CPU")
    }

    /// `gemmBiasActivation` on a chosen micro-kernel and thread count, with
    /// op(A) = Aᵀ when `transA` and op(B) = Bᵀ when `transB` (the C entry takes both).
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func gemmBiasActivation(using kernel: GEMMMicroKernel, threads: Int, transA: Bool, transB: Bool,
                                   m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                   b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                   c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_sgemm_bias_act_with_kernel(kernel.cValue, Int32(threads), transA ? 1 : 0, transB ? 1 : 0,
                                                   Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb),
                                                   bias, relu ? 1 : 0, c, Int32(ldc))
        precondition(status == 0, "the \(kernel) GEMM micro-kernel does not run on this CPU")
    }

    /// `gemmBytesBiasActivation` on a chosen micro-kernel and thread count.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func gemmBytesBiasActivation(using kernel: GEMMMicroKernel, threads: Int, transB: Bool,
                                        m: Int, n: Int, k: Int, scale: Float, x: UnsafePointer<UInt8>, ldx: Int,
                                        b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>, relu: Bool,
                                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_sgemm_bytes_bias_act_with_kernel(kernel.cValue, Int32(threads), transB ? 1 : 0,
                                                         Int32(m), Int32(n), Int32(k), scale, x, Int32(ldx),
                                                         b, Int32(ldb), bias, relu ? 1 : 0, c, Int32(ldc))
        precondition(status == 0, "the \(kernel) GEMM micro-kernel does not run on this CPU")
    }
}
