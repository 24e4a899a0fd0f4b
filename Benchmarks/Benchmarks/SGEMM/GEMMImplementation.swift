import COpenBLAS
import ScratchNet

/// The fast kernels every fast product runs on (their thread count is set
/// by ``GEMMImplementation/setThreads(_:)``).
private let fastKernels = FastKernels()

/// Who computes the product: our C kernel, the naive Swift loops, or OpenBLAS.
enum GEMMImplementation: String, CaseIterable, Sendable {
    case fast
    case naive
    case openblas

    /// Whether the thread count changes anything (the naive loops are serial).
    var isThreaded: Bool { self != .naive }

    /// Sets this implementation's thread count.
    func setThreads(_ n: Int) {
        switch self {
        case .fast: fastKernels.threads = n
        case .openblas: openblas_set_num_threads(Int32(n))
        case .naive: break
        }
    }

    /// C = op(A)·op(B) for `shape` (alpha 1, beta 0).
    @inline(__always)
    func multiply(_ shape: GEMMShape, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        switch self {
        case .fast:
            fastKernels.gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                             alpha: 1, a: a, lda: shape.lda, b: b, ldb: shape.ldb, beta: 0, c: c, ldc: shape.ldc)
        case .naive:
            NaiveKernels().gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                                alpha: 1, a: a, lda: shape.lda, b: b, ldb: shape.ldb, beta: 0, c: c, ldc: shape.ldc)
        case .openblas:
            cblas_sgemm(CblasRowMajor, shape.transA ? CblasTrans : CblasNoTrans, shape.transB ? CblasTrans : CblasNoTrans,
                        Int32(shape.m), Int32(shape.n), Int32(shape.k),
                        1, a, Int32(shape.lda), b, Int32(shape.ldb), 0, c, Int32(shape.ldc))
        }
    }
}
