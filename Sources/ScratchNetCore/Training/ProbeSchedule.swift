/// Decides, step by step, whether a step runs at the configured parallelism
/// or at 1, from timings of real steps at both: the decision core of
/// ``ThreadGovernor`` (kernel threads).
///
/// Each probe times `probeSteps` steps at 1, then as many at the configured
/// count, cut short once two of those took over 3× a 1-step or, from the
/// second on, they have taken longer than all the 1-steps (under contention
/// the parallel steps are the slow ones, 5–15× here). Each side's figure is
/// its mean without its slowest step: one VM hiccup (a lone 4.2 ms step
/// among 0.42 ms ones, seen on a quiet machine) must not decide a whole
/// period, while stalls that recur (every ~9 steps with a core busy) still
/// count. The faster choice is kept until the next probe, `period` steps
/// later; 1 is kept only when it is >10 % faster, and each probe in a row
/// that 1 wins doubles the wait (up to 8·`period`), since the parallel probe
/// steps are the slow ones then. Between probes, while the configured count
/// is kept, each run of `4·probeSteps` steps is compared with the last
/// probe's 1-steps, and a run that 1 would have beaten by >10 % switches to
/// 1 at once: an 8-step probe can miss every stall of a busy core and keep
/// the slower choice for a whole period. The first `warmupSteps` steps run
/// at the configured count untimed: they fault in memory and start threads,
/// which made 1 look faster than it is.
///
/// It only decides; the caller applies the count and times the step.
public struct ProbeSchedule: Sendable {
    public let configured: Int
    public let probeSteps: Int
    public let period: Int
    /// What the steps use outside probes now: 1 or ``configured``.
    public private(set) var current: Int
    /// Probes finished so far (for tests and reports).
    public private(set) var probes = 0

    private var stepInCycle = 0
    private var warmupLeft: Int
    private var cycleLength: Int
    /// This probe's step times at each choice (filled in place: a probe
    /// allocates nothing).
    private var singleTimes: [Double]
    private var configuredTimes: [Double]
    private var configuredCount = 0
    /// The last probe's 1-step figure, and the steps at the configured count
    /// since the last check against it.
    private var singleMean = 0.0
    private var watchedSeconds = 0.0
    private var watchedSteps = 0

    /// - Parameters:
    ///   - configured: the parallelism asked for (1: every step runs at 1).
    ///   - probeSteps: steps timed at each choice per probe.
    ///   - period: steps from one probe's start to the next.
    ///   - warmupSteps: untimed steps at the configured count before the first probe.
    public init(configured: Int, probeSteps: Int = 8, period: Int = 600, warmupSteps: Int = 2) {
        precondition(configured >= 1 && probeSteps >= 1 && period >= 2 * probeSteps && warmupSteps >= 0,
                     "ProbeSchedule: need configured >= 1, probeSteps >= 1, period >= 2·probeSteps, warmupSteps >= 0")
        self.configured = configured
        self.probeSteps = probeSteps
        self.period = period
        self.current = configured
        self.cycleLength = period
        self.warmupLeft = warmupSteps
        singleTimes = Array(repeating: 0, count: probeSteps)
        configuredTimes = Array(repeating: 0, count: probeSteps)
    }

    /// The count the next step should run at: 1 or ``configured``.
    public var next: Int {
        guard configured > 1 else { return 1 }
        if warmupLeft > 0 { return configured }
        if stepInCycle < probeSteps { return 1 }
        if stepInCycle < 2 * probeSteps { return configured }
        return current
    }

    /// Records that the step ``next`` asked for took `seconds`.
    public mutating func record(seconds: Double) {
        guard configured > 1 else { return }
        if warmupLeft > 0 { warmupLeft -= 1; return }
        if stepInCycle < probeSteps {
            singleTimes[stepInCycle] = seconds
        } else if stepInCycle < 2 * probeSteps {
            if configuredCount == 0 { singleMean = Self.meanWithoutSlowest(singleTimes, count: probeSteps) }
            configuredTimes[configuredCount] = seconds
            configuredCount += 1
            if configuredCount == probeSteps || probeShouldStop() {
                let configuredMean = Self.meanWithoutSlowest(configuredTimes, count: configuredCount)
                // 1 must win clearly: 8-step timings are noisy, and under
                // contention it wins by 2–5×, not by a few percent.
                current = singleMean < 0.9 * configuredMean ? 1 : configured
                cycleLength = current == 1 ? min(2 * cycleLength, 8 * period) : period
                configuredCount = 0
                watchedSeconds = 0
                watchedSteps = 0
                probes += 1
                stepInCycle = 2 * probeSteps - 1
            }
        } else if current == configured && singleMean > 0 {
            watchedSeconds += seconds
            watchedSteps += 1
            if watchedSteps == 4 * probeSteps {
                if singleMean < 0.9 * watchedSeconds / Double(watchedSteps) {
                    current = 1
                    cycleLength = min(2 * cycleLength, 8 * period)
                }
                watchedSeconds = 0
                watchedSteps = 0
            }
        }
        stepInCycle = (stepInCycle + 1) % cycleLength
    }

    /// Under contention the configured count's steps are the slow ones: stop
    /// timing them after two that took over 3× a 1-step, or once two or
    /// more have used more time than all the 1-steps.
    private func probeShouldStop() -> Bool {
        var slow = 0
        var total = 0.0
        for t in configuredTimes[0..<configuredCount] {
            if t > 3 * singleMean { slow += 1 }
            total += t
        }
        let singleTotal = singleTimes.reduce(0, +)
        return slow >= 2 || (configuredCount >= 2 && total > singleTotal)
    }

    /// The mean of `times[0..<count]` without its largest value (all of
    /// them when there is only one).
    static func meanWithoutSlowest(_ times: [Double], count: Int) -> Double {
        precondition(count >= 1 && count <= times.count, "ProbeSchedule: no step times")
        var total = 0.0
        var slowest = 0.0
        for t in times[0..<count] {
            total += t
            slowest = max(slowest, t)
        }
        return count == 1 ? total : (total - slowest) / Double(count - 1)
    }
}
