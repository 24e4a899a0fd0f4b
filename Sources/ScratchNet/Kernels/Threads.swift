import CKernels

/// How many threads the C kernels use.
///
/// Set it once, before training; the default is every core OpenMP sees.
/// Without the OpenMP trait the kernels are serial and this stays 1.
public enum KernelThreads {
    /// Threads the kernels will use.
    public static var count: Int { Int(sn_get_num_threads()) }

    /// Asks the kernels to use `n` threads (n >= 1).
    public static func set(_ n: Int) {
        precondition(n >= 1, "KernelThreads.set: need at least one thread, got \(n)")
        sn_set_num_threads(Int32(n))
    }

    /// True when the package was built with the OpenMP trait.
    public static var hasOpenMP: Bool { sn_has_openmp() != 0 }
}
