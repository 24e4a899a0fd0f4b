import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport
import CKernels

/// ``ThreadGroup``'s collectives (the C side, `thread_group.c`) and
/// ``ShardedTrainer``, which trains replicas on threads with them.
@Suite("Thread groups and sharded training")
struct ThreadGroupTests {
    /// Runs `body(rank)` on `ranks` threads at once and returns each result.
    static func onThreads<T: Sendable>(_ ranks: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let results = Locked<[Int: Result<T, any Error>]>([:])
        let done = DispatchSemaphore(value: 0)
        for rank in 0..<ranks {
            Thread {
                let outcome = Result { try body(rank) }
                results.withLock { $0[rank] = outcome }
                done.signal()
            }.start()
        }
        for _ in 0..<ranks { done.wait() }
        return try results.withLock { r in try (0..<ranks).map { try r[$0]!.get() } }
    }

    /// Rank r's value at i; chosen so that sums in different orders round differently.
    static func value(rank: Int, index: Int) -> Float {
        Float(rank + 1) * 0.1 + Float(index % 97) * 1e-3 + (rank == 1 ? 1e7 : 0)
    }

    @Test(arguments: [1, 2, 3, 5])
    func allReduceGivesEveryRankTheRankOrderSumBitForBit(ranks: Int) throws {
        let group = ThreadGroup(size: ranks)
        for count in [1, 7, 33, 100, 100_003] {
            let buffers = try Self.onThreads(ranks) { rank -> [Float] in
                var buffer = (0..<count).map { Self.value(rank: rank, index: $0) }
                try buffer.withUnsafeMutableBufferPointer { try group.communicator(rank: rank).allReduceSum($0) }
                return buffer
            }
            let expected = (0..<count).map { i in
                (1..<ranks).reduce(Self.value(rank: 0, index: i)) { $0 + Self.value(rank: $1, index: i) }
            }
            for rank in 0..<ranks {
                #expect(buffers[rank].map(\.bitPattern) == expected.map(\.bitPattern), "\(ranks) ranks, count \(count), rank \(rank)")
            }
        }
    }

    /// What DataParallelTrainer asks for: each rank's gradient times its share of the batch, summed.
    @Test(arguments: [2, 3])
    func scaledAllReduceRoundsLikeScalingThenSumming(ranks: Int) throws {
        let group = ThreadGroup(size: ranks)
        let factors: [Float] = ranks == 2 ? [0.52, 0.48] : [0.4, 0.3, 0.3]
        for count in [1, 7, 100, 33_333] {
            let buffers = try Self.onThreads(ranks) { rank -> [Float] in
                var buffer = (0..<count).map { Self.value(rank: rank, index: $0) }
                try buffer.withUnsafeMutableBufferPointer {
                    try group.communicator(rank: rank).allReduceSum($0, scaledBy: factors[rank])
                }
                return buffer
            }
            let expected = (0..<count).map { i -> Float in
                var sum = Self.value(rank: 0, index: i) * factors[0]
                for r in 1..<ranks {
                    let product = Self.value(rank: r, index: i) * factors[r]
                    sum += product
                }
                return sum
            }
            for rank in 0..<ranks {
                #expect(buffers[rank].map(\.bitPattern) == expected.map(\.bitPattern), "\(ranks) ranks, count \(count), rank \(rank)")
            }
        }
    }

    @Test func doubleSumsAndBroadcastReachEveryRank() throws {
        let group = ThreadGroup(size: 3)
        let results = try Self.onThreads(3) { rank -> (Double, [Float]) in
            let communicator = group.communicator(rank: rank)
            let total = try communicator.allReduceSum(Double(rank) + 0.25)
            var weights = [Float](repeating: Float(rank), count: 33)
            try weights.withUnsafeMutableBufferPointer { try communicator.broadcast($0, root: 2) }
            try communicator.barrier()
            return (total, weights)
        }
        for (total, weights) in results {
            #expect(total == 3.75)
            #expect(weights == [Float](repeating: 2, count: 33))
        }
    }

    @Test func anAbortedGroupFailsTheWaitingRanksInsteadOfHangingThem() throws {
        let group = ThreadGroup(size: 2)
        let outcomes = try Self.onThreads(2) { rank -> String in
            if rank == 1 {
                Thread.sleep(forTimeInterval: 0.05)  // rank 0 is waiting in the all-reduce by now
                group.abort()
                return "aborted"
            }
            var buffer: [Float] = [1, 2, 3]
            do {
                try buffer.withUnsafeMutableBufferPointer { try group.communicator(rank: 0).allReduceSum($0) }
                return "finished"
            } catch let error as CommunicatorError {
                return error.description
            }
        }
        #expect(outcomes[0] == "communicator: allReduceSum: rank 0: another rank of the thread group failed")
    }

    @Test func shardedTrainingKeepsReplicasIdenticalAndNearOneShard() throws {
        let data = DistributedTests.data
        func train(shards: Int) throws -> (weights: [[Float]], loss: Float, agree: Bool) {
            let shard = DataParallelTrainer.shard(of: 50, rank: 0, size: shards).count
            let trainer = try ShardedTrainer(shards: shards, train: data, options: .init(epochs: 1, batchSize: 50, seed: 11)) { _ in
                try DistributedTests.makeNetwork(maxBatch: shard)
            }
            let report = try trainer.trainEpoch(epoch: 1)
            let agree = try trainer.replicasAgree()
            return (trainer.network.weightsSnapshot(), report.meanLoss, agree)
        }
        let one = try train(shards: 1)
        let two = try train(shards: 2)
        let three = try train(shards: 3)
        #expect(two.agree && three.agree)
        #expect(try train(shards: 2).weights == two.weights, "same shards and seed: the same weights")
        for other in [two, three] {
            let worst = DistributedTests.maxAbsDifference(one.weights, other.weights)
            // Same bound and reasoning as DistributedTests (13 steps of summation-order rounding).
            #expect(worst <= 1e-4, "max |Δw| = \(worst)")
            #expect(abs(one.loss - other.loss) <= 1e-4 * max(1, one.loss))
        }
        let initial = try DistributedTests.makeNetwork(maxBatch: 1).weightsSnapshot()
        #expect(initial != two.weights, "training moved the weights")
    }

    /// On the rank threads (one shard fails, every shard stops) or in turn
    /// on one thread, a NaN loss ends training with the loss error.
    @Test(arguments: [false, true])
    func aNonFiniteLossStopsEveryShardWithTheLossError(inTurn: Bool) throws {
        let data = DistributedTests.data
        let trainer = try ShardedTrainer(shards: 2, train: data, options: .init(epochs: 1, batchSize: 50, seed: 1),
                                         placement: inTurn ? .serial : .parallel) { _ in
            try Network(spec: DistributedTests.spec, maxBatch: 25, optimizer: SGD(learningRate: 1e30), seed: 5)
        }
        #expect {
            _ = try trainer.trainEpoch(epoch: 1)
        } throws: { error in
            guard case TrainingError.nonFiniteLoss = error else { return false }
            return true
        }
    }

    /// The serial form of the scaled all-reduce, for a thread that runs
    /// every rank's step itself: the same bits as the collective.
    @Test(arguments: [1, 2, 3, 5])
    func serialScaledSumMatchesTheCollectiveBitForBit(ranks: Int) throws {
        let group = ThreadGroup(size: ranks)
        let factors: [Float] = [0.52, 0.48, 1, 0.3, 0.7].prefix(ranks).map { $0 }
        for count in [1, 7, 33, 100, 33_333] {
            let collective = try Self.onThreads(ranks) { rank -> [Float] in
                var buffer = (0..<count).map { Self.value(rank: rank, index: $0) }
                try buffer.withUnsafeMutableBufferPointer {
                    try group.communicator(rank: rank).allReduceSum($0, scaledBy: factors[rank])
                }
                return buffer
            }
            let buffers = (0..<ranks).map { rank -> UnsafeMutableBufferPointer<Float> in
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                for i in 0..<count { buffer[i] = Self.value(rank: rank, index: i) }
                return buffer
            }
            defer { buffers.forEach { $0.deallocate() } }
            var pointers: [UnsafeMutablePointer<Float>?] = buffers.map(\.baseAddress)
            sn_sum_scaled_f32(&pointers, factors, Int32(ranks), count)
            for rank in 0..<ranks {
                #expect(Array(buffers[rank]).map(\.bitPattern) == collective[rank].map(\.bitPattern),
                        "\(ranks) ranks, count \(count), rank \(rank)")
            }
            // Into the first buffer only: the same sums there, the others untouched.
            for rank in 0..<ranks {
                for i in 0..<count { buffers[rank][i] = Self.value(rank: rank, index: i) }
            }
            sn_sum_scaled_into_first_f32(&pointers, factors, Int32(ranks), count)
            #expect(Array(buffers[0]).map(\.bitPattern) == collective[0].map(\.bitPattern), "\(ranks) ranks, count \(count)")
            for rank in 1..<max(1, ranks) {
                #expect(Array(buffers[rank]) == (0..<count).map { Self.value(rank: rank, index: $0) }, "rank \(rank) was written")
            }
        }
    }

    /// Commands from rank 0 reach every other rank once each, in order,
    /// whether they wait spinning or asleep; `wait_done` returns only once
    /// all are finished.
    @Test func postedCommandsReachEveryRankInOrderAndWaitDoneSeesThemFinished() throws {
        let ranks = 3
        let group = ThreadGroup(size: ranks)
        let seen = Locked<[[Int32]]>(Array(repeating: [], count: ranks))
        let results = try Self.onThreads(ranks) { rank -> Bool in
            if rank == 0 {
                var allFinished = true
                for command: Int32 in 0..<40 {
                    if command % 10 == 9 { Thread.sleep(forTimeInterval: 0.01) }  // the others fall asleep
                    group.post(command)
                    try group.waitUntilCommandsAreDone()
                    allFinished = allFinished && seen.withLock { $0.dropFirst().allSatisfy { $0.last == command } }
                }
                group.post(-2)
                try group.waitUntilCommandsAreDone()
                // A second round of workers starts from the count posted so far.
                return allFinished && group.postedCount == 41
            }
            var taken: UInt32 = 0
            while true {
                let command = try group.nextCommand(rank: rank, taken: &taken)
                defer { group.commandDone() }
                if command == -2 { return true }
                seen.withLock { $0[rank].append(command) }
            }
        }
        #expect(results == [true, true, true])
        for rank in 1..<ranks { #expect(seen.withLock { $0[rank] } == Array(0..<40)) }
    }

    @Test func anAbortWakesARankAsleepWaitingForACommand() throws {
        let group = ThreadGroup(size: 2)
        let outcomes = try Self.onThreads(2) { rank -> String in
            if rank == 0 {
                Thread.sleep(forTimeInterval: 0.05)  // rank 1 spun out and sleeps by now
                group.abort()
                return "aborted"
            }
            var taken: UInt32 = 0
            do {
                _ = try group.nextCommand(rank: rank, taken: &taken)
                return "got a command"
            } catch let error as CommunicatorError {
                return error.description
            }
        }
        #expect(outcomes[1] == "communicator: nextCommand: another rank of the thread group failed")
    }

    /// The fallback under contention (replicas in turn on one thread) and
    /// any mix of it with the parallel steps give the parallel run's weights
    /// bit for bit: which one the governor picks never shows.
    @Test(arguments: [2, 3])
    func replicasInTurnOnOneThreadGiveTheParallelWeightsBitForBit(shards: Int) throws {
        let data = DistributedTests.data
        // Plain layers run every shard on the first replica in the in-turn
        // steps; Dropout and BatchNorm make each shard run on its own replica.
        let withStatefulLayers = Preset.mlp.spec(inputShape: [1, 8, 8], classes: 4, hidden: [32, 16],
                                                 batchNorm: true, dropout: 0.2)
        // wholeBatch: the first replica holds the whole batch, so in-turn steps are one pass.
        func train(_ placement: ShardedTrainer.Placement, spec: NetworkSpec = DistributedTests.spec, wholeBatch: Bool = false,
                   optimizer: @escaping () -> any Optimizer) throws -> ([[Float]], Float, Int) {
            let shard = DataParallelTrainer.shard(of: 50, rank: 0, size: shards).count
            let trainer = try ShardedTrainer(shards: shards, train: data, options: .init(epochs: 2, batchSize: 50, seed: 11),
                                             placement: placement) { rank in
                try Network(spec: spec, maxBatch: rank == 0 && wholeBatch ? 50 : shard, optimizer: optimizer(), seed: 5)
            }
            var serial = 0
            var loss: Float = 0
            for epoch in 1...2 {
                let report = try trainer.trainEpoch(epoch: epoch)
                serial += report.serialSteps
                loss = report.meanLoss
            }
            #expect(try trainer.replicasAgree())
            return (trainer.network.weightsSnapshot(), loss, serial)
        }
        for (name, optimizer) in [("SGD", { SGD(learningRate: 0.1) as any Optimizer }),
                                  ("Adam", { Adam(learningRate: 0.01) as any Optimizer })] {
            let parallel = try train(.parallel, optimizer: optimizer)
            let serial = try train(.serial, optimizer: optimizer)
            let mixed = try train(.custom { $0 % 3 != 1 }, optimizer: optimizer)
            let governed = try train(.governed, optimizer: optimizer)
            let onePass = try train(.serial, wholeBatch: true, optimizer: optimizer)
            let onePassMixed = try train(.custom { $0 % 3 != 1 }, wholeBatch: true, optimizer: optimizer)
            let onePassGoverned = try train(.governed, wholeBatch: true, optimizer: optimizer)
            #expect(parallel.2 == 0 && serial.2 == 26 && mixed.2 == 9, "\(name): serial steps \(parallel.2), \(serial.2), \(mixed.2)")
            for (other, label) in [(serial, "serial"), (mixed, "mixed"), (governed, "governed"), (onePass, "one pass"),
                                   (onePassMixed, "one pass, mixed"), (onePassGoverned, "one pass, governed")] {
                #expect(other.0 == parallel.0, "\(name), \(label): weights differ from the parallel run's")
                #expect(other.1 == parallel.1, "\(name), \(label): loss \(other.1) against \(parallel.1)")
            }
            let statefulParallel = try train(.parallel, spec: withStatefulLayers, optimizer: optimizer)
            let statefulMixed = try train(.custom { $0 % 3 != 1 }, spec: withStatefulLayers, wholeBatch: true, optimizer: optimizer)
            #expect(statefulMixed.0 == statefulParallel.0, "\(name), Dropout + BatchNorm, mixed: weights differ")
            #expect(statefulMixed.1 == statefulParallel.1, "\(name), Dropout + BatchNorm, mixed: loss differs")
        }
    }

    /// One-pass in-turn steps with weight decay, and a last batch of one
    /// sample (640 = 9·71 + 1), whose second shard is empty: that step takes
    /// the shard-by-shard path. Both give the parallel run's weights.
    @Test func onePassInTurnStepsWithWeightDecayAndAnEmptyShardGiveTheParallelWeights() throws {
        var spec = DistributedTests.spec
        spec.weightDecay = 0.01
        func train(_ placement: ShardedTrainer.Placement) throws -> ([[Float]], Float) {
            let trainer = try ShardedTrainer(shards: 2, train: DistributedTests.data,
                                             options: .init(epochs: 1, batchSize: 71, seed: 4), placement: placement) { rank in
                try Network(spec: spec, maxBatch: rank == 0 ? 71 : 36, optimizer: Adam(learningRate: 0.01), seed: 5)
            }
            let report = try trainer.trainEpoch(epoch: 1)
            #expect(try trainer.replicasAgree())
            return (trainer.network.weightsSnapshot(), report.meanLoss)
        }
        let parallel = try train(.parallel)
        let serial = try train(.serial)
        #expect(serial.0 == parallel.0, "weights differ from the parallel run's")
        #expect(serial.1 == parallel.1, "loss \(serial.1) against \(parallel.1)")
    }
}
