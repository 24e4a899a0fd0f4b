import ScratchNetCore
/// The collective operations a data-parallel job needs from its processes.
///
/// Every process of the job (a *rank*, numbered `0..<size`) makes the same
/// calls in the same order; each call returns once every rank has made it.
/// ScratchNet ships ``SingleProcessCommunicator`` (a job of one, what plain
/// training is) and, with the `MPI` package trait, `MPICommunicator`.
///
/// Why so few operations: data-parallel SGD needs one sum of gradients per
/// step (`allReduceSum` over ``Network/gradientRegion``), one copy of
/// the initial weights (``broadcast(_:root:)``) and a few sums of counters
/// for reports.
public protocol Communicator: AnyObject {
    /// This process's number, `0..<size`; rank 0 prints, saves and evaluates.
    var rank: Int { get }
    /// How many processes take part.
    var size: Int { get }

    /// Replaces `buffer` on every rank by the element-wise sum of all ranks'
    /// buffers, which must have the same count everywhere.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws

    /// The sum of every rank's buffer multiplied by that rank's `factor`
    /// (each product rounded, then summed). A communicator can fuse the
    /// scaling into its sum; the default scales, then calls
    /// ``allReduceSum(_:)-(UnsafeMutableBufferPointer<Float>)``.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, scaledBy factor: Float) throws

    /// Double-precision sums, for counters and loss totals.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws

    /// Copies `root`'s `buffer` into every other rank's `buffer`.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws
}

extension Communicator {
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, scaledBy factor: Float) throws {
        if factor != 1, let p = buffer.baseAddress {
            for i in 0..<buffer.count { p[i] *= factor }
        }
        try allReduceSum(buffer)
    }

    /// True on the rank that talks to the user and writes files.
    public var isRoot: Bool { rank == 0 }

    /// The sum over all ranks of one double.
    public func allReduceSum(_ value: Double) throws -> Double {
        var v = value
        try withUnsafeMutablePointer(to: &v) { try allReduceSum(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        return v
    }
}

/// A job of one process: every collective is the identity.
///
/// Data-parallel code written against ``Communicator`` runs unchanged, and
/// gives the same result as plain training, with this communicator.
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        precondition(root == 0, "SingleProcessCommunicator: root \(root) does not exist")
    }
}

/// A collective operation that failed (an MPI error code, a size mismatch).
public struct CommunicatorError: Error, Equatable, CustomStringConvertible {
    public let operation: String
    public let message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "communicator: \(operation): \(message)" }
}
