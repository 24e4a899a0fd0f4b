import ArgumentParser
import Foundation
import ScratchNet

extension TrainCommand {
    /// Refuses `--shards` values and combinations the sharded path does not
    /// handle, with the flag to drop.
    func validateShards() throws {
        let shards = distributedOptions.shards
        guard (1...64).contains(shards) else { throw ValidationError("--shards must be 1...64, got \(shards)") }
        guard shards > 1 else { return }
        guard shards <= batchSize else {
            throw ValidationError("--shards \(shards) is more than --batch-size \(batchSize): a shard would be empty")
        }
        let unsupported: [(Bool, String)] = [
            (distributedOptions.distributed, "--distributed"),
            (lrSchedule != "constant", "--lr-schedule"),
            (augment != "none", "--augment"),
            (validationSplit != nil, "--validation-split"),
            (report != nil, "--report"),
            (persistence.checkpoint != nil, "--checkpoint"),
            (persistence.resume != nil, "--resume"),
        ]
        if let (_, flag) = unsupported.first(where: { $0.0 }) {
            throw ValidationError("\(flag) is not yet supported with --shards")
        }
    }

    /// Says how many steps ran their replicas in turn on one thread: the
    /// governor's probe steps, and every step while a busy core made that
    /// faster than the replicas on their own threads.
    static func serialNote(_ report: DataParallelTrainer.EpochReport) -> String {
        report.serialSteps == 0 ? "" : "  in turn on one thread: \(report.serialSteps) of \(report.steps) steps (probes included)"
    }

    /// The arenas' sizes: shard 0's is larger when it holds whole batches.
    static func arenaNote(_ trainer: ShardedTrainer) -> String {
        let first = trainer.replicas[0].arena.capacity, other = trainer.replicas.last!.arena.capacity
        return first == other ? "\(Arena.formatBytes(first)) per shard"
            : "\(Arena.formatBytes(first)) for shard 0 (whole batches in turn), \(Arena.formatBytes(other)) per other shard"
    }

    /// `scratchnet train --shards N`: N replicas on N threads of this process
    /// (``ShardedTrainer``); `--threads` is the total, split over the shards
    /// (at least 1 kernel thread each). Rank 0's replica is evaluated and saved.
    func runSharded() throws {
        let shards = distributedOptions.shards
        let directory = data ?? ProcessInfo.processInfo.environment[MNISTFormat.directoryVariable] ?? MNISTFormat.defaultDirectory
        let totalThreads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let threadsPerShard = max(1, totalThreads / shards)
        let backend = Backend(rawValue: backend)!
        let (train, test) = try DataSource.loadTrainAndTest(directory)
        let spec = try presetSpec(train: train, test: test)
        let lr = learningRate
        let largestShard = DataParallelTrainer.shard(of: batchSize, rank: 0, size: shards).count
        // Rank 0's replica holds a whole batch when its in-turn steps can be
        // one pass (ShardedTrainer: MLPs); other networks would only carry
        // the larger arena. With --arena-bytes, which sizes each shard's
        // arena, every replica holds just its shard.
        let trainer = try ShardedTrainer(shards: shards, train: train,
                                         options: .init(epochs: epochs, batchSize: batchSize, seed: seed,
                                                                adaptiveThreads: !fixedThreads)) { rank in
            func replica(maxBatch: Int) throws -> Network {
                try Network(spec: spec, maxBatch: maxBatch, backend: backend,
                            optimizer: OptimizerKind(argument: optimizer)!.make(learningRate: lr),
                            seed: seed, arenaCapacity: arenaBytes, threads: threadsPerShard)
            }
            let shardReplica = try replica(maxBatch: largestShard)
            guard rank == 0, arenaBytes == nil, shardReplica.splitsGradientsBySegment, batchSize > largestShard else {
                return shardReplica
            }
            return try replica(maxBatch: batchSize)
        }
        let network = trainer.network
        if !quiet {
            print("model \(model): \(spec.summary)")
            print("data \(directory): \(train.count) train, \(test.count) test samples")
            print("backend \(backend.rawValue), \(shards) shards × \(threadsPerShard) thread(s), optimizer \(optimizer) lr \(lr), batch \(batchSize) (≤ \(largestShard) per shard), seed \(seed), arena \(Self.arenaNote(trainer))")
        }
        // The evaluation's OpenMP workers must sleep as soon as it ends, not
        // spin for 200 ms on the cores the shards are about to train on.
        KernelThreads.setSpinTime(milliseconds: 0)
        let wall = Stopwatch()
        var history: [MetricsSummary.Epoch] = []
        var trainSeconds = 0.0
        for epoch in 1...epochs {
            network.threads = threadsPerShard
            let report = try trainer.trainEpoch(epoch: epoch)
            trainSeconds += report.seconds
            network.threads = totalThreads  // evaluation runs on rank 0's replica alone
            let trainAccuracy = Trainer.accuracy(of: network, on: train)
            let testAccuracy = Trainer.accuracy(of: network, on: test)
            history.append(.init(epoch: epoch, loss: Double(report.meanLoss), train_accuracy: Double(trainAccuracy),
                                 test_accuracy: Double(testAccuracy), samples_per_second: report.samplesPerSecond))
            if !quiet {
                print("epoch \(epoch): loss \(format(report.meanLoss, 4))  train acc \(format(trainAccuracy * 100, 2))%  test acc \(format(testAccuracy * 100, 2))%  \(Int(report.samplesPerSecond)) samples/s  sum+wait \(format(report.allReduceSecondsPerStep * 1000, 3)) ms/step\(Self.serialNote(report))")
            }
        }
        try persistence.saveModel(network)
        let last = history.last!
        let samplesPerSecond = Double(train.count * epochs) / max(trainSeconds, 1e-9)
        print("final: test accuracy \(format(Float(last.test_accuracy ?? 0) * 100, 2))%, loss \(format(Float(last.loss), 4)), \(Int(samplesPerSecond)) train samples/s, \(shards) shards, \(format(wall.elapsed, 1)) s")
        if let metricsJson {
            let summary = MetricsSummary(
                test_accuracy: last.test_accuracy ?? 0, train_accuracy: last.train_accuracy,
                train_samples_per_second: samplesPerSecond, final_loss: last.loss,
                epochs: epochs, batch_size: batchSize, learning_rate: Double(lr), seed: seed,
                threads: totalThreads, model: model, backend: backend.rawValue,
                arena_bytes: network.arena.capacity, wall_seconds: wall.elapsed, history: history)
            try writeMetrics(summary, to: metricsJson)
        }
    }
}
