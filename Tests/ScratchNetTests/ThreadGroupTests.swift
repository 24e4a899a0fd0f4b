import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

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

    @Test func aNonFiniteLossOnOneShardStopsEveryShardWithTheLossError() throws {
        let data = DistributedTests.data
        let trainer = try ShardedTrainer(shards: 2, train: data, options: .init(epochs: 1, batchSize: 50, seed: 1)) { _ in
            try Network(spec: DistributedTests.spec, maxBatch: 25, optimizer: SGD(learningRate: 1e30), seed: 5)
        }
        #expect {
            _ = try trainer.trainEpoch(epoch: 1)
        } throws: { error in
            guard case TrainingError.nonFiniteLoss = error else { return false }
            return true
        }
    }
}
