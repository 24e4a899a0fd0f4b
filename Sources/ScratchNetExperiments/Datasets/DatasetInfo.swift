import ScratchNetCore

/// What a data set holds: counts, shapes, class balance, pixel statistics
/// (`scratchnet data info`).
public struct DatasetInfo: Sendable, Equatable {
    public var count: Int
    public var sampleShape: [Int]
    /// Samples per class, index = label.
    public var classCounts: [Int]
    public var pixelMean: Double
    public var pixelStandardDeviation: Double
    public var pixelMin: UInt8
    public var pixelMax: UInt8

    public init(_ data: LabeledImages) {
        count = data.count
        sampleShape = data.sampleShape
        var counts = [Int](repeating: 0, count: max(data.classCount, 1))
        for l in data.labels { counts[Int(l)] += 1 }
        classCounts = data.count == 0 ? [] : counts
        var histogram = [Int](repeating: 0, count: 256)
        for p in data.pixels { histogram[Int(p)] += 1 }
        var sum = 0.0, sumSquares = 0.0
        for (v, c) in histogram.enumerated() {
            sum += Double(v * c)
            sumSquares += Double(v * v) * Double(c)
        }
        let n = Double(max(data.pixels.count, 1))
        pixelMean = sum / n
        pixelStandardDeviation = max(0, sumSquares / n - pixelMean * pixelMean).squareRoot()
        pixelMin = UInt8(histogram.firstIndex { $0 > 0 } ?? 0)
        pixelMax = UInt8(histogram.lastIndex { $0 > 0 } ?? 0)
    }

    /// Human-readable lines (pixel statistics are on the stored 0...255 scale).
    public func lines(name: String, classNames: [String]? = nil) -> [String] {
        var out = ["\(name): \(count) samples of \(sampleShape.map(String.init).joined(separator: "×"))",
                   "  pixels: mean \(ChartNumber.plain(pixelMean, decimals: 2)), std \(ChartNumber.plain(pixelStandardDeviation, decimals: 2)), min \(pixelMin), max \(pixelMax) (of 0...255; /255 for the network)"]
        let mostCommon = classCounts.max() ?? 0, leastCommon = classCounts.min() ?? 0
        out.append("  classes: \(classCounts.count), \(leastCommon)...\(mostCommon) samples per class")
        for (c, n) in classCounts.enumerated() {
            let share = count == 0 ? 0 : Double(n) / Double(count) * 100
            let label = classNames.flatMap { c < $0.count ? " \($0[c])" : nil } ?? ""
            out.append("    \(c)\(label): \(n) (\(ChartNumber.plain(share, decimals: 1))%)")
        }
        return out
    }

    public static let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Class names when the source looks like Fashion-MNIST (by its path), else nil.
    public static func classNames(forSource source: String) -> [String]? {
        source.lowercased().contains("fashion") ? fashionMNISTClassNames : nil
    }
}
