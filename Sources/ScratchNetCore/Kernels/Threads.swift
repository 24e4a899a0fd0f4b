import CKernels
#if canImport(Glibc)
import Glibc
#endif

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

/// Picks, while training runs, whichever of 1 thread or the configured count
/// steps faster, so that several threads are never slower than one.
///
/// Why: OpenMP's worker threads spin between parallel regions. On a quiet
/// machine that is what makes a 2-thread step fast; when another process
/// holds a core, the spinning worker and the main thread fight over the
/// remaining one and a 2-thread step can take longer than a 1-thread step
/// (measured here: two-layer SGD 83–117k samples/s at 2 threads against
/// 132–145k at 1, with other builds running). Passive waiting
/// (`OMP_WAIT_POLICY=passive`) avoids the collapse but pays a wake-up on
/// every parallel region when the machine is quiet. Timing both counts now
/// and then and keeping the faster has neither cost.
///
/// It is safe for reproducibility because every kernel splits its work so
/// the thread count changes no sum (`sameSeedGivesBitIdenticalWeights`
/// checks 1 against 2 threads): which count ran a step never shows in the
/// weights.
///
/// When to probe and what to keep is ``ProbeSchedule``'s: real training
/// steps are timed at 1 thread and at the configured count now and then
/// (no work is thrown away), and the faster count is kept until the next
/// probe, one Fashion-MNIST epoch at batch 100 later by default (the
/// 1-thread probe steps cost ~1 % of a quiet 2-thread run).
///
/// It also shortens libomp's spin time to 1 ms (from 200), for the whole
/// run. Between parallel regions of a step the workers wait microseconds,
/// so a quiet machine loses nothing (a 1 ms spin measured 311k against 336k
/// samples/s with 200 ms, within the noise of bimodal runs). On a busy one,
/// a worker spinning 200 ms after the last 2-thread step held the free core
/// through the 1-thread probe that followed, which then shared the busy core
/// and lost the comparison (step traces with one core busy: a 4.9 ms step
/// among 0.65 ms ones, and the governor kept 2 threads whose every 7th step
/// took 4.6 ms). Likewise after the per-epoch evaluation.
public struct ThreadGovernor {
    public var configured: Int { schedule.configured }
    public var probeSteps: Int { schedule.probeSteps }
    public var period: Int { schedule.period }
    /// The count the steps use now.
    public var current: Int { schedule.current }
    /// Probes finished so far (for tests and reports).
    public var probes: Int { schedule.probes }

    private var schedule: ProbeSchedule
    private var stepStart = 0.0
    private var spinShortened = false

    /// - Parameters:
    ///   - configured: the thread count asked for (1 turns the governor off).
    ///   - probeSteps: steps timed at each count per probe.
    ///   - period: steps from one probe's start to the next.
    ///   - warmupSteps: untimed steps at the configured count before the
    ///     first probe (two are enough; under contention each is a slow one).
    public init(configured: Int, probeSteps: Int = 8, period: Int = 600, warmupSteps: Int = 2) {
        schedule = ProbeSchedule(configured: configured, probeSteps: probeSteps, period: period, warmupSteps: warmupSteps)
    }

    /// Call before a step: sets ``KernelThreads`` for it; returns the count.
    @discardableResult
    public mutating func beginStep(now: Double) -> Int {
        guard configured > 1 else { return 1 }
        if !spinShortened {
            KernelThreads.setSpinTime(milliseconds: 1)
            spinShortened = true
        }
        let wanted = schedule.next
        if KernelThreads.count != wanted { KernelThreads.set(wanted) }
        stepStart = now
        return wanted
    }

    /// Call after the step.
    public mutating func endStep(now: Double) {
        schedule.record(seconds: now - stepStart)
    }

    /// Puts ``KernelThreads`` back to the configured count. A later
    /// ``beginStep(now:)`` continues the same cycle.
    public func finish() {
        if configured > 1, KernelThreads.count != configured { KernelThreads.set(configured) }
    }
}
