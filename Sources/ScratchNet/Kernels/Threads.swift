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
/// Each probe times `probeSteps` steps at 1 thread, then as many at the
/// configured count (real training steps: no work is thrown away; cut short
/// once they have taken longer than the 1-thread steps, or one of them over
/// 3× a 1-thread step), and
/// keeps the faster count until the next probe, `period` steps later (one
/// Fashion-MNIST epoch at batch 100: the 1-thread probe steps cost ~1 % of a
/// quiet 2-thread run); 1 thread is kept only when it is >10 % faster; each
/// probe in a row that 1 thread wins doubles the wait (up to 8·`period`),
/// since the 2-thread probe steps are the slow ones then.
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
    public let configured: Int
    public let probeSteps: Int
    public let period: Int
    /// The count the steps use now.
    public private(set) var current: Int
    /// Probes finished so far (for tests and reports).
    public private(set) var probes = 0

    private var stepInCycle = 0
    /// Untimed steps at the configured count before the first probe: the
    /// first steps fault in the arena, start OpenMP's workers and warm the
    /// caches, which made 1 thread look faster than it is. Two are enough;
    /// under contention each is a slow one (8 of them cost a quarter of a
    /// first epoch's speed with one core busy).
    private var warmupLeft: Int
    private var cycleLength: Int
    private var singleSeconds = 0.0
    private var configuredSeconds = 0.0
    private var stepStart = 0.0
    private var spinShortened = false

    /// - Parameters:
    ///   - configured: the thread count asked for (1 turns the governor off).
    ///   - probeSteps: steps timed at each count per probe.
    ///   - period: steps from one probe's start to the next.
    ///   - warmupSteps: untimed steps at the configured count before the first probe.
    public init(configured: Int, probeSteps: Int = 8, period: Int = 600, warmupSteps: Int = 2) {
        precondition(configured >= 1 && probeSteps >= 1 && period >= 2 * probeSteps && warmupSteps >= 0,
                     "ThreadGovernor: need configured >= 1, probeSteps >= 1, period >= 2·probeSteps, warmupSteps >= 0")
        self.configured = configured
        self.probeSteps = probeSteps
        self.period = period
        self.current = configured
        self.cycleLength = period
        self.warmupLeft = warmupSteps
    }

    /// Call before a step: sets ``KernelThreads`` for it; returns the count.
    @discardableResult
    public mutating func beginStep(now: Double) -> Int {
        guard configured > 1 else { return 1 }
        if !spinShortened {
            KernelThreads.setSpinTime(milliseconds: 1)
            spinShortened = true
        }
        let wanted: Int
        if warmupLeft > 0 { wanted = configured }
        else if stepInCycle < probeSteps { wanted = 1 }
        else if stepInCycle < 2 * probeSteps { wanted = configured }
        else { wanted = current }
        if KernelThreads.count != wanted { KernelThreads.set(wanted) }
        stepStart = now
        return wanted
    }

    /// Call after the step.
    public mutating func endStep(now: Double) {
        guard configured > 1 else { return }
        if warmupLeft > 0 { warmupLeft -= 1; return }
        let seconds = now - stepStart
        if stepInCycle < probeSteps {
            singleSeconds += seconds
        } else if stepInCycle < 2 * probeSteps {
            configuredSeconds += seconds
            // Decide at the probe's end, or as soon as the configured count
            // has used more time than all the 1-thread steps, or one of its
            // steps took over 3× a 1-thread step: under contention its steps
            // are the slow ones (5–15× here), so cut them short.
            let singleMean = singleSeconds / Double(probeSteps)
            if stepInCycle == 2 * probeSteps - 1 || configuredSeconds > singleSeconds || seconds > 3 * singleMean {
                // 1 thread must win clearly: 8-step timings are noisy, and
                // under contention it wins by 2–5×, not by a few percent.
                let scaled = configuredSeconds * Double(probeSteps) / Double(stepInCycle - probeSteps + 1)
                current = singleSeconds < 0.9 * scaled ? 1 : configured
                cycleLength = current == 1 ? min(2 * cycleLength, 8 * period) : period
                probes += 1
                singleSeconds = 0
                configuredSeconds = 0
                stepInCycle = 2 * probeSteps - 1
            }
        }
        stepInCycle = (stepInCycle + 1) % cycleLength
    }

    /// Puts ``KernelThreads`` back to the configured count. A later
    /// ``beginStep(now:)`` continues the same cycle.
    public func finish() {
        if configured > 1, KernelThreads.count != configured { KernelThreads.set(configured) }
    }
}
