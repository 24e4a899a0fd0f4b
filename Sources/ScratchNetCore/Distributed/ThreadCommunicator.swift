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

    /// Rank 0: hands `command` (not -1) to every other rank. Post only once
    /// they have all taken the previous one.
    public func post(_ command: Int32) { sn_thread_group_post(state, command) }

    /// Commands posted so far: what a rank's `taken` starts at. Read it
    /// before posting the first command that rank must take.
    public var postedCount: UInt32 { sn_thread_group_posted_count(state) }

    /// Ranks 1...: waits for the next command (spinning briefly, then
    /// asleep); `taken` counts the commands this rank has taken (from
    /// ``postedCount``). Every command taken must get a ``commandDone()``.
    /// Throws once the group is aborted.
    public func nextCommand(rank: Int, taken: inout UInt32) throws -> Int32 {
        let command = sn_thread_group_next_command(state, Int32(rank), &taken)
        guard command != -1 else {
            throw CommunicatorError(operation: "nextCommand", message: "another rank of the thread group failed")
        }
        return command
    }

    /// Ranks 1...: the command taken last is finished.
    public func commandDone() { sn_thread_group_command_done(state) }

    /// Rank 0: waits until every other rank has finished every command
    /// posted so far. Throws once the group is aborted.
    public func waitUntilCommandsAreDone() throws {
        guard sn_thread_group_wait_done(state) == 0 else {
            throw CommunicatorError(operation: "waitUntilCommandsAreDone", message: "another rank of the thread group failed")
        }
    }
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
