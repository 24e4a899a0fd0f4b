import ArgumentParser
import Foundation
import ScratchNet

/// The `scratchnet train` flags for data-parallel training over MPI.
struct DistributedOptions: ParsableArguments {
    @Flag(help: "Data-parallel training across the processes started by mpirun (needs a build with --traits MPI). --batch-size is the global batch, split over the ranks.")
    var distributed = false

    @Flag(help: "With --distributed: check after every step that all ranks hold bit-identical weights (slow; for testing).")
    var verifySync = false
}

extension TrainCommand {
    /// The network each rank trains: the plan's spec (the one local training
    /// builds), sized for one rank's shard of the global batch.
    static func distributedNetwork(_ plan: RunPlan, train: LabeledImages, test: LabeledImages, ranks: Int) throws -> Network {
        let shard = AllReduce.shard(of: plan.batchSize, rank: 0, size: ranks).count
        return try plan.makeNetwork(spec: plan.model.spec(train: train, test: test), maxBatch: max(shard, 1))
    }

    /// `scratchnet train --distributed`: every rank trains on its shard of
    /// each global batch and the gradients are summed with one all-reduce
    /// per step; rank 0 alone prints, evaluates and writes files.
    ///
    /// Rank 0 holds the output locks (``OutputLock``) as local training
    /// does. SIGINT/SIGTERM (``Interrupts``; mpirun forwards them to every
    /// rank) stop all ranks after the same step: each step ends with a
    /// one-number all-reduce of "a signal arrived here", since a rank that
    /// stopped alone would leave the others waiting in the next all-reduce.
    /// The run then ends with status 130 and nothing saved (distributed runs
    /// take no --checkpoint); a signal after the last step lets rank 0
    /// finish writing the model and still ends with 130
    /// (``Interrupts/afterLastStep(saved:)``).
    static func runDistributed(_ plan: RunPlan) throws {
        let communicator = try makeCommunicator()
        let directory = plan.dataDirectory
        let quiet = plan.quiet, model = plan.model.preset.rawValue, batchSize = plan.batchSize
        let root = communicator.isRoot
        if root { try OutputLock.acquire(outputs(of: plan)) }
        Interrupts.install()

        let (train, test) = try DataSource.loadTrainAndTest(directory)
        let network = try distributedNetwork(plan, train: train, test: test, ranks: communicator.size)
        let spec = network.spec
        let classNames = try plan.classNames(forClasses: network.classes, data: train)
        let shard = network.maxBatch
        let reduction = AllReduce(communicator: communicator)
        var options = plan.trainerOptions
        options.adaptiveThreads = false  // ranks keep their threads: a probe on one rank would stall the others
        let trainer = try Trainer(network: network, train: train, test: test, options: options, reduction: reduction)
        let gradientBytes = network.gradientRegion.count * MemoryLayout<Float>.stride
        if root && !quiet {
            print("model \(model): \(spec.summary)")
            print("data \(directory): \(train.count) train, \(test.count) test samples")
            print("distributed: \(communicator.size) rank(s), global batch \(batchSize) (≤ \(shard) per rank), \(network.threads) thread(s) per rank, gradients \(Arena.formatBytes(gradientBytes)) in one all-reduce per step")
        }
        var syncChecks = 0
        var reduced = (seconds: 0.0, count: 0)
        let wall = Stopwatch()
        var stopVote = [0.0]
        var stoppedAt: Trainer.Position?
        let reports = try trainer.run(onEpoch: { report in
            let seconds = reduction.seconds - reduced.seconds, count = reduction.count - reduced.count
            reduced = (reduction.seconds, reduction.count)
            if root && !quiet {
                print("epoch \(report.epoch): loss \(format(report.meanLoss, 4))  test acc \(format((report.testAccuracy ?? 0) * 100, 2))%  \(Int(report.samplesPerSecond)) samples/s  all-reduce \(format(seconds / Double(max(count, 1)) * 1000, 3)) ms/step")
            }
        }, afterStep: { _ in
            if plan.verifySync {
                guard try reduction.weightsAgree(in: network) else {
                    throw TrainingError.invalidOption("ranks hold different weights after step \(trainer.globalStep)")
                }
                syncChecks += 1
            }
            stopVote[0] = Interrupts.requested ? 1 : 0
            try stopVote.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            guard stopVote[0] > 0 else { return true }
            stoppedAt = trainer.position
            return false
        })
        if let p = stoppedAt {
            throw TrainingInterrupted(message: (root ? "" : "rank \(communicator.rank): ")
                + "interrupted after epoch \(p.epoch) step \(p.stepInEpoch); nothing was saved (distributed runs are not checkpointed)")
        }
        let testAccuracy = reports.last!.testAccuracy ?? 0
        let seconds = reports.reduce(0) { $0 + $1.trainSeconds }
        let samplesPerSecond = Double(train.count * reports.count) / max(seconds, 1e-9)
        let steps = trainer.globalStep
        let allReducePerStep = reduction.seconds / Double(max(reduction.count, 1))
        guard root else {
            if Interrupts.requested { throw TrainingInterrupted(message: "rank \(communicator.rank): interrupted after the last step") }
            return
        }
        try plan.persistence.saveModel(network, classNames: classNames)
        try DataSource.recordStandardization(of: train, inModelAt: plan.persistence.save)
        if Interrupts.requested { throw Interrupts.afterLastStep(saved: plan.persistence.save) }
        print("final: \(communicator.size) rank(s), test accuracy \(format(testAccuracy * 100, 2))%, loss \(format(reports.last!.meanLoss, 4)), \(Int(samplesPerSecond)) train samples/s, all-reduce \(format(allReducePerStep * 1000, 3)) ms/step of \(gradientBytes) bytes, \(format(wall.elapsed, 1)) s" + (plan.verifySync ? ", ranks in sync after all \(syncChecks) steps" : ""))
        if let metricsJson = plan.metricsJson {
            let summary = DistributedMetrics(
                ranks: communicator.size, threads_per_rank: network.threads, model: model, global_batch_size: batchSize,
                epochs: plan.epochs, seed: plan.seed, test_accuracy: Double(testAccuracy), final_loss: Double(reports.last!.meanLoss),
                train_samples_per_second: samplesPerSecond, allreduce_seconds_per_step: allReducePerStep,
                gradient_bytes: gradientBytes, steps: steps, sync_checks: syncChecks, wall_seconds: wall.elapsed)
            try writeMetrics(summary, to: metricsJson)
        }
        if Interrupts.requested { throw Interrupts.afterLastStep(saved: plan.persistence.save) }
    }
}

/// MPI's world communicator, or an error naming the build flag it needs.
func makeCommunicator() throws -> any Communicator {
    #if MPI
    return try MPICommunicator()
    #else
    throw CLIFailure(.usage, "--distributed needs a build with MPI: swift build -c release --traits MPI (Debian: openmpi-bin libopenmpi-dev)")
    #endif
}

/// What `--distributed --metrics-json` writes (rank 0).
struct DistributedMetrics: Encodable {
    var ranks: Int
    var threads_per_rank: Int
    var model: String
    var global_batch_size: Int
    var epochs: Int
    var seed: UInt64
    var test_accuracy: Double
    var final_loss: Double
    var train_samples_per_second: Double
    var allreduce_seconds_per_step: Double
    var gradient_bytes: Int
    var steps: Int
    var sync_checks: Int
    var wall_seconds: Double
}
