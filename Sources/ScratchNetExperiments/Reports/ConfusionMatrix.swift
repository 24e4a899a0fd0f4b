import ScratchNetCore

/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    /// counts[trueClass][predictedClass]
    public private(set) var counts: [[Int]]

    public init(classes: Int) {
        precondition(classes >= 1, "ConfusionMatrix: need at least one class")
        self.classes = classes
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    public mutating func add(trueClass: Int, predicted: Int) {
        precondition(trueClass >= 0 && trueClass < classes && predicted >= 0 && predicted < classes,
                     "ConfusionMatrix: class out of range")
        counts[trueClass][predicted] += 1
    }

    public var total: Int { counts.joined().reduce(0, +) }
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// A heat map: rows are true classes, columns predictions; each cell is
    /// shaded by its share of the row (recall) and shows its count.
    public func svg(title: String = "Confusion matrix (test set)", classNames: [String]? = nil) -> String {
        let names = (0..<classes).map { i in classNames.flatMap { i < $0.count ? $0[i] : nil } ?? "\(i)" }
        let cell = 40.0
        let labelWidth = Double(names.map(\.count).max() ?? 1) * 7 + 30
        let left = labelWidth + 24, top = 56.0
        let width = left + cell * Double(classes) + 20
        let height = top + cell * Double(classes) + Double(names.map(\.count).max() ?? 1) * 4.6 + 24
        var b = SVGBuilder(width: max(width, 300), height: height)
        b.text(title, max(width, 300) / 2, 22, size: 15, anchor: .middle, weight: "bold")
        b.text("predicted class →", left + cell * Double(classes) / 2, 44, size: 12, anchor: .middle)
        b.text("true class →", 14, top + cell * Double(classes) / 2, size: 12, anchor: .middle, rotate: -90)
        for t in 0..<classes {
            let rowTotal = max(1, counts[t].reduce(0, +))
            b.text(names[t], left - 6, top + Double(t) * cell + cell / 2 + 4, size: 11, anchor: .end)
            for p in 0..<classes {
                let share = Double(counts[t][p]) / Double(rowTotal)
                let x = left + Double(p) * cell, y = top + Double(t) * cell
                b.rect(x, y, cell, cell, fill: Self.shade(share), stroke: "#ddd",
                       title: "true \(names[t]), predicted \(names[p]): \(counts[t][p])")
                if counts[t][p] > 0 {
                    b.text("\(counts[t][p])", x + cell / 2, y + cell / 2 + 4, size: 10, anchor: .middle,
                           fill: share > 0.5 ? "white" : "#222")
                }
            }
        }
        let bottom = top + cell * Double(classes)
        for p in 0..<classes {
            b.text(names[p], left + Double(p) * cell + cell / 2, bottom + 14, size: 11, anchor: .end, rotate: -40)
        }
        return b.document
    }

    /// White to dark blue.
    static func shade(_ share: Double) -> String {
        let s = max(0, min(1, share))
        let r = Int(255 - s * (255 - 8)), g = Int(255 - s * (255 - 48)), bl = Int(255 - s * (255 - 107))
        return "rgb(\(r),\(g),\(bl))"
    }
}
