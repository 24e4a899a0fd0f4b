import CKernels

/// The widest instruction set the fast kernels choose by themselves: the
/// CPU's widest, lowered by the environment variable `SCRATCHNET_ISA`
/// (`generic`, `avx2` or `avx512`), read once per process.
///
/// Why: on an AVX-512 machine a whole run can then be timed on the kernels an
/// AVX2-only CPU would run (`SCRATCHNET_ISA=avx2 scratchnet train …`). It
/// governs the matrix products, convolutions and int8 products; the
/// memory-bound passes keep the clone picked when the library loads.
public enum InstructionSetLimit {
    /// The environment variable read.
    public static let variable = "SCRATCHNET_ISA"
    /// The values it takes.
    public static let names = ["generic", "avx2", "avx512"]

    /// The micro-kernel products and convolutions run in this process.
    public static var automaticKernel: GEMMMicroKernel {
        switch sn_gemm_kernel_automatic() {
        case SN_GEMM_KERNEL_AVX512: .avx512
        case SN_GEMM_KERNEL_AVX2: .avx2
        default: .generic
        }
    }

    /// A one-line complaint when `environment` sets the variable to a value
    /// that names no instruction set (the kernels would ignore it); nil otherwise.
    public static func problem(in environment: [String: String]) -> String? {
        guard let value = environment[variable], sn_isa_level_named(value) < 0 else { return nil }
        return "\(variable)=\(value) names no instruction set: use \(names.joined(separator: ", ")), or leave it unset"
    }
}
