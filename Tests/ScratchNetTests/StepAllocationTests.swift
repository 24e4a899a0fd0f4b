import CAllocationCounter
import Testing
import ScratchNet
import ScratchNetTestSupport

#if DEBUG
private let isDebugBuild = true
#else
private let isDebugBuild = false
#endif

/// The arena's promise: after warm-up a training step (batch gather, forward,
/// backward, optimizer update) makes no heap allocation, on every preset and
/// optimizer, at 1 and 2 kernel threads. Counted on the calling thread by
/// wrapping malloc in the test executable (`Tests/CAllocationCounter`); a
/// sanitizer build, which wraps malloc itself, skips it.
@Suite("Training steps allocate nothing after warm-up", .serialized,
       .enabled(if: sn_allocation_counting_available() != 0, "malloc is wrapped by a sanitizer"),
       .disabled(if: isDebugBuild,
                 "unoptimized Swift allocates (boxed existentials, closure contexts): the promise is for release builds (swift test -c release)"))
struct StepAllocationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var spec: @Sendable () -> NetworkSpec
        var optimizer: @Sendable () -> any Optimizer
        var batch: Int
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "two-layer SGD", spec: { Preset.twoLayer.spec() }, optimizer: { SGD(learningRate: 0.1) }, batch: 100),
        Case(label: "mlp Adam, weight decay", spec: { Preset.mlp.spec(weightDecay: 1e-4) },
             optimizer: { Adam() }, batch: 100),
        Case(label: "mlp BatchNorm, dropout, Momentum", spec: { Preset.mlp.spec(hidden: [64, 32], batchNorm: true, dropout: 0.3) },
             optimizer: { Momentum() }, batch: 50),
        Case(label: "two-layer tanh, Nesterov", spec: { Preset.twoLayer.spec(activation: .tanh) },
             optimizer: { Nesterov() }, batch: 33),
        Case(label: "two-layer sigmoid, AdaGrad", spec: { Preset.twoLayer.spec(activation: .sigmoid) },
             optimizer: { AdaGrad() }, batch: 7),
        Case(label: "simple-cnn RMSprop", spec: { Preset.simpleCNN.spec() }, optimizer: { RMSprop() }, batch: 100),
        Case(label: "deep-cnn Adam", spec: { Preset.deepCNN.spec() }, optimizer: { Adam() }, batch: 8),
        Case(label: "fast-cnn AdamW", spec: { Preset.fastCNN.spec() }, optimizer: { AdamW(weightDecay: 0.05) }, batch: 16),
    ]

    @Test(arguments: cases)
    func trainingStepMakesNoHeapAllocation(_ c: Case) throws {
        let spec = c.spec()
        let data = randomLabeledImages(count: 3 * c.batch, shape: spec.inputShape, seed: 5)
        let network = try Network(spec: spec, maxBatch: c.batch, optimizer: c.optimizer(), seed: 1)
        var rng = SeededGenerator(seed: 9)
        let order = (0..<Int32(data.count)).shuffled(using: &rng)
        for threads in [1, 2] {
            network.threads = threads
            var losses: [Float] = []
            losses.reserveCapacity(6)
            var counts: [Int] = []
            counts.reserveCapacity(6)
            order.withUnsafeBufferPointer { order in
                for step in 0..<6 {
                    let start = (step % 3) * c.batch
                    let indices = UnsafeBufferPointer(rebasing: order[start..<start + c.batch])
                    // Steps 0–2 warm up (lazily made state); 3–5 are counted.
                    if step >= 3 { sn_allocation_count_begin() }
                    data.fillBatch(indices: indices, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
                    let loss = network.trainStep(batch: c.batch)
                    if step >= 3 { counts.append(sn_allocation_count_end()) }
                    losses.append(loss)
                }
            }
            try #require(losses.allSatisfy { $0.isFinite }, "\(c.label): the loss is not finite: \(losses)")
            #expect(counts == [0, 0, 0], "\(c.label), \(threads) threads: heap allocations per step \(counts)")
        }
    }

    /// The whole per-batch loop of ``Trainer`` (thread governor and its probes,
    /// learning-rate schedule, augmentation, gather, step, divergence check):
    /// counted from one step's progress callback to the next within an epoch,
    /// alone and with the all-reduce step (over a job of one).
    @Test(arguments: [(Augmentation.none, LearningRateSchedule.constant, false),
                      (Augmentation(flip: true, maxShift: 2), LearningRateSchedule.cosine(floor: 0.1), false),
                      (Augmentation.none, LearningRateSchedule.constant, true)])
    func trainerLoopMakesNoHeapAllocationBetweenSteps(augmentation: Augmentation, schedule: LearningRateSchedule,
                                                      allReduce: Bool) throws {
        let spec = Preset.twoLayer.spec()
        let data = randomLabeledImages(count: 1_500, shape: spec.inputShape, seed: 3)
        // 2 threads: the governor then probes 1 thread against 2.
        let network = try Network(spec: spec, maxBatch: 50, optimizer: Adam(), seed: 2, threads: 2)
        let trainer = try Trainer(network: network, train: data, test: nil,
                                  options: .init(epochs: 2, batchSize: 50, seed: 4, schedule: schedule,
                                                 augmentation: augmentation),
                                  reduction: allReduce ? AllReduce(communicator: SingleProcessCommunicator()) : LocalReduction())
        var counts: [Int] = []
        counts.reserveCapacity(2 * trainer.stepsPerEpoch)
        for epoch in 1...2 {
            _ = try trainer.trainEpoch(epoch: epoch) { progress in
                let count = sn_allocation_count_end()
                // Window k runs from step k's callback to step k+1's; the first
                // epoch's first steps warm up.
                if progress.stepInEpoch > 1 && (epoch > 1 || progress.stepInEpoch > 3) { counts.append(count) }
                sn_allocation_count_begin()
            }
            _ = sn_allocation_count_end()
        }
        #expect(counts.count == 2 * trainer.stepsPerEpoch - 4)
        #expect(counts.allSatisfy { $0 == 0 }, "heap allocations between training steps: \(counts)")
    }
}
