import ScratchNetCore
/// Synchronous data-parallel SGD over a ``Communicator``: every rank holds
/// the whole network, trains on its own slice of each global batch, and all
/// ranks sum their gradients before every update, so they keep identical
/// weights.
///
/// A step, on every rank:
/// 1. forward and backward on the rank's slice (`localBatch` samples), which
///    writes the gradient of the *local* mean loss;
/// 2. scale it by `localBatch / globalBatch`, so that the sum over ranks is
///    the gradient of the *global* batch mean (what one process computes),
///    and sum it over the ranks: one `allReduceSum(_:scaledBy:)` over
///    ``Network/gradientRegion`` (the communicator may fuse the scaling into
///    its sum). Every parameter gradient lives in that one contiguous run of
///    the arena, so a step costs one collective call, not one per tensor;
/// 3. the optimizer's update, identical on every rank.
///
/// Same seed and same global batch give the same weights as one process up
/// to float rounding: one process sums each weight gradient over the batch
/// inside one matrix product, P ranks sum P partial products and then add
/// those (MPI adds in an order of its choosing). Ranks agree bit for bit,
/// because `MPI_Allreduce` hands every rank the same result. With one rank
/// (``SingleProcessCommunicator``) the weights are plain training's, bit for
/// bit.
///
/// Every rank shuffles the data with the same seed, so all see the same
/// global batches without sending data; rank `r` takes the `r`-th slice of
/// each (``shard(of:rank:size:)``). Layers with batch statistics
/// (BatchNorm) normalize over the local slice, as in other frameworks
/// without synchronized BatchNorm.
public final class AllReduce: GradientReduction {
    public let communicator: any Communicator
    /// Seconds this rank spent in the gradient sums since it was made.
    public private(set) var seconds = 0.0
    /// Gradient sums made since it was made (one per step).
    public private(set) var count = 0

    public init(communicator: any Communicator) {
        self.communicator = communicator
    }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// Samples `0..<globalBatch` split into `size` contiguous slices whose
    /// counts differ by at most one (the first `globalBatch % size` ranks take
    /// one more); a rank's slice is empty when `globalBatch < size`.
    public static func shard(of globalBatch: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(size >= 1 && rank >= 0 && rank < size && globalBatch >= 0, "shard: rank \(rank) of \(size)")
        let base = globalBatch / size
        let extra = globalBatch % size
        let start = rank * base + min(rank, extra)
        return start..<start + base + (rank < extra ? 1 : 0)
    }

    public func rows(ofBatch globalBatch: Int) -> Range<Int> {
        Self.shard(of: globalBatch, rank: rank, size: size)
    }

    /// Checks that every gradient lies in the region the sum covers, then
    /// makes every rank's weights (and layer state) rank 0's: ranks seeded
    /// alike already agree, but this also covers weights loaded by rank 0
    /// only.
    public func prepare(_ network: Network) throws {
        try Self.checkGradientsAreContiguous(network)
        for p in network.parameters {
            try communicator.broadcast(UnsafeMutableBufferPointer(start: p.value.pointer, count: p.value.count), root: 0)
        }
        for layer in network.layers {
            for state in layer.persistentState {
                try communicator.broadcast(UnsafeMutableBufferPointer(start: state.tensor.pointer, count: state.tensor.count), root: 0)
            }
        }
    }

    public func reduce(_ network: Network, localBatch: Int, globalBatch: Int) throws {
        precondition(globalBatch > 0 && localBatch >= 0 && localBatch <= globalBatch,
                     "AllReduce: slice of \(localBatch) from a batch of \(globalBatch)")
        let share: Float
        if localBatch == 0 {
            // No backward ran: this rank adds nothing.
            network.gradientRegion.update(repeating: 0)
            share = 1
        } else {
            share = Float(localBatch) / Float(globalBatch)
        }
        let clock = Stopwatch()
        try communicator.allReduceSum(network.gradientRegion, scaledBy: share)
        seconds += clock.elapsed
        count += 1
    }

    public func sum(_ value: Double) throws -> Double {
        try communicator.allReduceSum(value)
    }

    /// Throws unless every parameter's gradient lies inside
    /// ``Network/gradientRegion``: a gradient outside it would silently not
    /// be summed, and the ranks' weights would drift apart.
    public static func checkGradientsAreContiguous(_ network: Network) throws {
        let region = network.gradientRegion
        let lower = UInt(bitPattern: region.baseAddress)
        let upper = lower + UInt(region.count * MemoryLayout<Float>.stride)
        for p in network.parameters {
            let start = UInt(bitPattern: p.gradient.pointer)
            let end = start + UInt(p.gradient.count * MemoryLayout<Float>.stride)
            guard start >= lower, end <= upper else {
                throw TrainingError.invalidOption("parameter \(p.name)'s gradient is outside the network's gradient region (its layer must take it with Arena.allocateGradient): data-parallel training would not sum it")
            }
        }
    }

    /// True when every rank holds bit-identical parameters: rank 0's are
    /// broadcast and compared, and the verdict is summed over the ranks.
    /// A check for tests and `--verify-sync`; it allocates a copy.
    public func weightsAgree(in network: Network) throws -> Bool {
        var mismatches = 0.0
        for p in network.parameters {
            let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: p.value.count)
            defer { copy.deallocate() }
            _ = copy.initialize(from: UnsafeBufferPointer(start: p.value.pointer, count: p.value.count))
            try communicator.broadcast(copy, root: 0)
            for i in 0..<copy.count where copy[i].bitPattern != p.value.pointer[i].bitPattern {
                mismatches += 1
                break
            }
        }
        return try communicator.allReduceSum(mismatches) == 0
    }
}
