/// How many threads one owner's kernels may use: a network's layers,
/// head and optimizer share one, so setting ``Network/threads`` reaches
/// every kernel call of that network from the next call on, and no other
/// network's.
///
/// A reference (not a value) because the kernels are copied into every
/// layer when the network is built. Read and written by the thread that
/// runs the owner's work (a network is not used from two threads at once).
final class ThreadCount: @unchecked Sendable {
    /// >= 1.
    var value: Int {
        didSet { if value < 1 { value = 1 } }
    }

    init(_ value: Int) {
        precondition(value >= 1, "threads must be >= 1, got \(value)")
        self.value = value
    }
}
