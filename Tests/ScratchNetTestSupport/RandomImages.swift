import ScratchNet

/// `count` samples of `shape` with seeded random bytes and labels 0...9:
/// input for the batch-gather tests, where only exact copying matters.
public func randomLabeledImages(count: Int, shape: [Int], seed: UInt64) -> LabeledImages {
    var rng = SeededGenerator(seed: seed)
    let n = shape.reduce(1, *)
    let pixels = (0..<count * n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let labels = (0..<count).map { _ in UInt8.random(in: 0...9, using: &rng) }
    return LabeledImages(pixels: pixels, labels: labels, sampleShape: shape, source: "random")
}
