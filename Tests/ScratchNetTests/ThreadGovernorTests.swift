import Testing
import ScratchNet
import ScratchNetTestSupport

/// The thread governor: which count it keeps when timings say 1 thread or the
/// configured count is faster, how it probes, and that what it picks never
/// shows in the weights.
@Suite("Thread governor", .serialized)
struct ThreadGovernorTests {
    /// Runs one governor cycle with step times given by the thread count in use.
    func governedCounts(configured: Int, secondsAt: (Int) -> Double) -> (used: [Int], kept: Int) {
        var governor = ThreadGovernor(configured: configured, probeSteps: 3, period: 10, warmupSteps: 3)
        var used: [Int] = []
        var clock = 0.0
        for step in 0..<13 {
            let count = governor.beginStep(now: clock)
            if step < 3 {  // warm-up: the configured count, untimed
                #expect(count == configured)
                governor.endStep(now: clock + 100)
                continue
            }
            used.append(count)
            clock += secondsAt(count)
            governor.endStep(now: clock)
        }
        governor.finish()
        #expect(governor.probes == 1)
        return (used, governor.current)
    }

    @Test func governorKeepsOneThreadWhenItIsFaster() {
        let (used, kept) = governedCounts(configured: 2) { $0 == 1 ? 1.0 : 1.5 }
        #expect(used == [1, 1, 1, 2, 2, 2, 1, 1, 1, 1])
        #expect(kept == 1)
    }

    @Test func governorKeepsTheConfiguredCountWhenItIsFaster() {
        let (used, kept) = governedCounts(configured: 2) { $0 == 1 ? 1.0 : 0.6 }
        #expect(used == [1, 1, 1, 2, 2, 2, 2, 2, 2, 2])
        #expect(kept == 2)
    }

    /// A probe stops timing the configured count once two of its steps have
    /// used more time than all the 1-thread steps (collapsed steps under
    /// contention).
    @Test func governorCutsASlowProbeShort() {
        var governor = ThreadGovernor(configured: 2, probeSteps: 4, period: 10, warmupSteps: 4)
        var used: [Int] = []
        var clock = 0.0
        for step in 0..<12 {
            let count = governor.beginStep(now: clock)
            if step < 4 { governor.endStep(now: clock); continue }  // warm-up
            used.append(count)
            clock += count == 1 ? 1.0 : 2.5
            governor.endStep(now: clock)
        }
        governor.finish()
        #expect(used == [1, 1, 1, 1, 2, 2, 1, 1])
        #expect(governor.probes == 1)
    }

    /// Two configured-count steps over 3× a 1-thread step end the probe,
    /// even while the 1-thread steps' total is not used up; and the default
    /// warm-up is two steps at the configured count.
    @Test func governorStopsAtTwoCollapsedStepsAfterTwoWarmupSteps() {
        var governor = ThreadGovernor(configured: 2, probeSteps: 8, period: 100)
        var used: [Int] = []
        var clock = 0.0
        for _ in 0..<14 {
            let count = governor.beginStep(now: clock)
            used.append(count)
            clock += count == 1 ? 1.0 : 3.5
            governor.endStep(now: clock)
        }
        governor.finish()
        #expect(used == [2, 2] + Array(repeating: 1, count: 8) + [2, 2, 1, 1])
        #expect(governor.probes == 1 && governor.current == 1)
    }

    /// One slow step in a probe (a VM hiccup on a quiet machine) does not
    /// decide it: each side's slowest step is left out of its mean.
    @Test func aLoneSlowStepDoesNotDecideAProbe() {
        var schedule = ProbeSchedule(configured: 2, probeSteps: 8, period: 100, warmupSteps: 0)
        var used: [Int] = []
        var configuredSteps = 0
        for _ in 0..<20 {
            let count = schedule.next
            used.append(count)
            if count == 2 { configuredSteps += 1 }
            // 1: 0.8 ms a step; 2: 0.42 ms, but its 6th probe step takes 4.2 ms.
            schedule.record(seconds: count == 1 ? 0.8e-3 : (configuredSteps == 6 ? 4.2e-3 : 0.42e-3))
        }
        #expect(used == Array(repeating: 1, count: 8) + Array(repeating: 2, count: 12))
        #expect(schedule.current == 2 && schedule.probes == 1)
    }

    /// Probes that 1 thread wins come half as often each time (up to 8×).
    @Test func governorProbesLessOftenWhileOneThreadWins() {
        var governor = ThreadGovernor(configured: 2, probeSteps: 1, period: 4, warmupSteps: 1)
        var twoThreadSteps: [Int] = []
        var clock = 0.0
        for step in -1..<100 {  // step -1: the warm-up
            let count = governor.beginStep(now: clock)
            if count == 2, step >= 0 { twoThreadSteps.append(step) }
            clock += count == 1 ? 1.0 : 2.0
            governor.endStep(now: clock)
        }
        governor.finish()
        // Each win doubles the cycle it ends in: cycles of 8, 16, 32, 32, ...
        // steps; the 2-thread probe is each cycle's second step.
        #expect(twoThreadSteps == [1, 9, 25, 57, 89])
        #expect(governor.current == 1)
    }

    /// Between probes, a run of `4·probeSteps` configured-count steps that
    /// 1 would have beaten by >10 % switches to 1 at once (a busy core that
    /// the probe's few steps missed); quiet runs keep the configured count.
    @Test func scheduleLeavesTheConfiguredCountWhenItSlowsDownBetweenProbes() {
        var schedule = ProbeSchedule(configured: 2, probeSteps: 2, period: 100, warmupSteps: 0)
        var used: [Int] = []
        for step in 0..<30 {
            let count = schedule.next
            used.append(count)
            let slow = step >= 12  // the configured count collapses after 8 quiet steady steps
            schedule.record(seconds: count == 1 ? 1.0 : (slow ? 1.2 : 0.5))
        }
        // Probe (1, 1, 2, 2), 8 quiet steps, then 8 slow ones; 1.2 > 1.0 / 0.9
        // only just, which is enough.
        #expect(used == [1, 1, 2, 2] + Array(repeating: 2, count: 16) + Array(repeating: 1, count: 10))
        #expect(schedule.current == 1 && schedule.probes == 1)

        var steady = ProbeSchedule(configured: 2, probeSteps: 2, period: 100, warmupSteps: 0)
        for _ in 0..<60 {
            steady.record(seconds: steady.next == 1 ? 1.0 : 1.05)  // within 10 %: no switch
        }
        #expect(steady.current == 2)
    }

    @Test func governorIsOffForOneThread() {
        var governor = ThreadGovernor(configured: 1, probeSteps: 1, period: 2)
        for t in 0..<4 {
            #expect(governor.beginStep(now: Double(t)) == 1)
            governor.endStep(now: Double(t) + 1)
        }
        #expect(governor.probes == 0)
    }

    static let data: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

    func weightsAfterOneEpoch(adaptive: Bool, threads: Int) throws -> [[Float]] {
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 100, optimizer: SGD(learningRate: 0.1), seed: 5,
                                  threads: threads)
        let trainer = try Trainer(network: network, train: Self.data!.train.subset(0..<6000), test: nil,
                                  options: .init(epochs: 1, batchSize: 100, seed: 5, adaptiveThreads: adaptive))
        _ = try trainer.run()
        return network.weightsSnapshot()
    }

    /// The governor only changes which thread count runs a step; the kernels
    /// give the same sums on any count, so the weights are bit-identical.
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed"))
    func adaptiveThreadsDoNotChangeTheWeights() throws {
        let fixed = try weightsAfterOneEpoch(adaptive: false, threads: 2)
        let adaptive = try weightsAfterOneEpoch(adaptive: true, threads: 2)
        #expect(fixed == adaptive)
    }
}
