import CKernels

/// Ranks that are threads of this process: the shared state of their
/// collectives (`thread_group.c`).
///
/// Why not MPI for this: one process on one machine needs no copies between
/// address spaces. Each all-reduce sums the ranks' own buffers in place, each
/// rank adding up 1/N of the elements (in rank order, so every rank gets the
/// same bits) and writing the sums into every buffer. That is one pass over
/// the gradients shared by the N threads, and no allocation.
public final class ThreadGroup: @unchecked Sendable {
    /// How many ranks (threads) take part.
    public let size: Int
    let state: UnsafeMutableRawPointer

    /// - Parameter size: 1...64 ranks.
    public init(size: Int) {
        precondition((1...64).contains(size), "ThreadGroup: size must be 1...64, got \(size)")
        self.size = size
        state = .allocate(byteCount: sn_thread_group_bytes(), alignment: 64)
        sn_thread_group_init(state, Int32(size))
    }

    deinit { state.deallocate() }

    /// Rank `rank`'s communicator; each rank's thread uses only its own.
    public func communicator(rank: Int) -> ThreadCommunicator {
        precondition(rank >= 0 && rank < size, "ThreadGroup: rank \(rank) of \(size)")
        return ThreadCommunicator(group: self, rank: rank)
    }

    /// Makes every pending and later collective of every rank fail instead
    /// of waiting: what a rank that hit an error calls, so the others stop.
    public func abort() { sn_thread_group_abort(state) }
}

/// One rank's ``Communicator`` in a ``ThreadGroup``.
public final class ThreadCommunicator: Communicator, @unchecked Sendable {
    public let group: ThreadGroup
    public let rank: Int
    public var size: Int { group.size }

    init(group: ThreadGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try check(sn_thread_group_allreduce_f32(group.state, Int32(rank), buffer.baseAddress, buffer.count), "allReduceSum")
    }

    /// Fused: each thread scales and sums its share of the elements in one pass.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, scaledBy factor: Float) throws {
        try check(sn_thread_group_allreduce_scaled_f32(group.state, Int32(rank), buffer.baseAddress, buffer.count, factor),
                  "allReduceSum")
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try check(sn_thread_group_allreduce_f64(group.state, Int32(rank), buffer.baseAddress, buffer.count), "allReduceSum")
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        precondition(root >= 0 && root < size, "ThreadCommunicator: root \(root) of \(size)")
        try check(sn_thread_group_broadcast_f32(group.state, Int32(rank), buffer.baseAddress, buffer.count, Int32(root)),
                  "broadcast")
    }

    /// Waits until every rank has called it.
    public func barrier() throws { try check(sn_thread_group_barrier(group.state), "barrier") }

    private func check(_ status: Int32, _ operation: String) throws {
        guard status == 0 else {
            throw CommunicatorError(operation: operation, message: "rank \(rank): another rank of the thread group failed")
        }
    }
}
