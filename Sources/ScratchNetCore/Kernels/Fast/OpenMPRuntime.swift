import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// What the OpenMP runtime offers the kernels, beyond a thread count (which
/// each kernel call takes from its owner: ``Network/threads``).
public enum OpenMPRuntime {
    /// True when the package was built with the OpenMP trait; without it
    /// every kernel runs on the calling thread whatever the count.
    public static var isAvailable: Bool { sn_has_openmp() != 0 }

    /// libomp's default spin time before an idle worker sleeps.
    public static let defaultSpinMilliseconds = 200

    /// How long idle kernel threads spin before sleeping, for parallel
    /// regions started from the calling thread. Ignored (returns false)
    /// when the user chose through `KMP_BLOCKTIME` or `OMP_WAIT_POLICY`.
    @discardableResult
    public static func setSpinTime(milliseconds: Int) -> Bool {
        guard getenv("KMP_BLOCKTIME") == nil, getenv("OMP_WAIT_POLICY") == nil else { return false }
        sn_set_spin_time_ms(Int32(max(0, milliseconds)))
        return true
    }
}
