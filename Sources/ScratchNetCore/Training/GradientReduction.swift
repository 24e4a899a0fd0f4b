/// The part of a training step that differs between training alone and
/// training as one of several ranks: ``Trainer`` runs the same loop for both
/// and asks its reduction what to do where they differ.
///
/// A rank trains on its rows of every global batch (``rows(ofBatch:)``);
/// after backward its network holds the gradient of the mean loss over those
/// rows, and ``reduce(_:localBatch:globalBatch:)`` turns that into the
/// gradient of the global batch's mean loss before the optimizer's update.
/// ``LocalReduction`` trains alone (every step's reduction is nothing);
/// `AllReduce` (in ScratchNetDistributed) sums over the ranks of any `Communicator`.
///
/// Every rank makes the same calls in the same order: reductions may be
/// collective operations.
public protocol GradientReduction: AnyObject {
    /// This rank's number, `0..<size`.
    var rank: Int { get }
    /// How many ranks train the same weights.
    var size: Int { get }

    /// The rows `0..<globalBatch` of a global batch that this rank trains on.
    func rows(ofBatch globalBatch: Int) -> Range<Int>

    /// Checks that `network` can take part and makes every rank's weights
    /// and layer state the same (called once, when the trainer is made).
    func prepare(_ network: Network) throws

    /// After backward on this rank's `localBatch` rows (possibly none) of a
    /// step's `globalBatch`: leaves in ``Network/gradientRegion`` the
    /// gradient of the global batch's mean loss, the same on every rank.
    func reduce(_ network: Network, localBatch: Int, globalBatch: Int) throws

    /// The sum over all ranks of `value` (loss totals, correct counts).
    func sum(_ value: Double) throws -> Double
}

/// Training alone: the whole batch is this rank's, and its gradient is the
/// one the optimizer applies.
public final class LocalReduction: GradientReduction {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func rows(ofBatch globalBatch: Int) -> Range<Int> { 0..<globalBatch }
    public func prepare(_ network: Network) throws {}
    public func reduce(_ network: Network, localBatch: Int, globalBatch: Int) throws {}
    public func sum(_ value: Double) throws -> Double { value }
}
