/// Picks, while training runs, whichever of 1 thread or the configured count
/// steps faster, so that several threads are never slower than one.
///
/// Why: OpenMP's worker threads spin between parallel regions. On a quiet
/// machine that is what makes a 2-thread step fast; when another process
/// holds a core, the spinning worker and the main thread fight over the
/// remaining one and a 2-thread step can take longer than a 1-thread step.
/// Passive waiting (`OMP_WAIT_POLICY=passive`) avoids the collapse but pays
/// a wake-up on every parallel region when the machine is quiet. Timing
/// both counts now and then and keeping the faster has neither cost.
///
/// It is safe for reproducibility because every kernel splits its work so
/// the thread count changes no sum (`sameSeedGivesBitIdenticalWeights`
/// checks 1 against 2 threads): which count ran a step never shows in the
/// weights.
///
/// When to probe and what to keep is ``ProbeSchedule``'s: real training
/// steps are timed at 1 thread and at the configured count now and then
/// (no work is thrown away), and the faster count is kept until the next
/// probe, one Fashion-MNIST epoch at batch 100 later by default.
///
/// The governor holds no thread count of its own making: ``beginStep(now:)``
/// returns the count and the caller gives it to whatever runs the step
/// (`network.threads = governor.beginStep(now:)`).
///
/// It also shortens libomp's spin time to 1 ms (from 200), for the whole
/// run: between parallel regions of a step the workers wait microseconds,
/// while a worker spinning 200 ms after a 2-thread step would hold the free
/// core through the 1-thread probe that follows and spoil its timing.
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

    /// Call before a step; returns the thread count the step should run
    /// on, which the caller applies (`network.threads = governor.beginStep(now:)`).
    public mutating func beginStep(now: Double) -> Int {
        guard configured > 1 else { return 1 }
        if !spinShortened {
            OpenMPRuntime.setSpinTime(milliseconds: 1)
            spinShortened = true
        }
        let wanted = schedule.next
        stepStart = now
        return wanted
    }

    /// Call after the step.
    public mutating func endStep(now: Double) {
        schedule.record(seconds: now - stepStart)
    }

    /// The count to go back to after training (the configured one). A later
    /// ``beginStep(now:)`` continues the same cycle.
    @discardableResult
    public func finish() -> Int { configured }
}
