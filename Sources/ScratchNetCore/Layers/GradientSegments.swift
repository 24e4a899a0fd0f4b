/// Rows of one batch that belong to different shards, and where each shard's
/// parameter gradients go.
///
/// Why: ``ShardedTrainer`` sometimes runs every shard of a step on one
/// thread. Running the shards as separate passes costs more than one pass over
/// the whole batch (half-batch products are less efficient, and every small
/// operation is paid twice). Everything a layer computes per row comes out the
/// same in one pass; only the sums over rows — a weight's and a bias's
/// gradient, the mean loss — depend on which rows are summed. Those are split
/// here: rows `rows(s)` reduce into the gradient region starting at
/// `regions[s]`, so each region holds the bits the shard's own pass gives.
public struct GradientSegments {
    /// Cumulative row ends: segment s is rows `ends[s-1]..<ends[s]` (from 0).
    public let ends: UnsafeBufferPointer<Int>
    /// Each segment's gradient region, laid out like the network's own
    /// (``Network/gradientRegion``), which is `regions[0]`.
    public let regions: UnsafeBufferPointer<UnsafeMutablePointer<Float>>

    public init(ends: UnsafeBufferPointer<Int>, regions: UnsafeBufferPointer<UnsafeMutablePointer<Float>>) {
        precondition(!ends.isEmpty && ends.count == regions.count, "GradientSegments: \(ends.count) ends for \(regions.count) regions")
        self.ends = ends
        self.regions = regions
    }

    public var count: Int { ends.count }

    /// The rows of segment `s`.
    public func rows(_ s: Int) -> Range<Int> { (s == 0 ? 0 : ends[s - 1])..<ends[s] }

    /// Where `gradient` (a tensor inside region 0) lives in segment `s`'s region.
    public func destination(of gradient: UnsafeMutablePointer<Float>, segment s: Int) -> UnsafeMutablePointer<Float> {
        regions[s] + (gradient - regions[0])
    }
}

/// A layer with parameters whose backward can split its sums over rows by
/// ``GradientSegments`` (one pass for several shards).
public protocol SegmentedGradientLayer: Layer {
    /// As `backward(_:)`, with each segment's parameter gradients written to
    /// its own region; the returned input gradient covers every row.
    func backward(_ gradOutput: Tensor, segments: GradientSegments) -> Tensor
}
