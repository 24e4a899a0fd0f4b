import ScratchNetCore

/// A histogram: counts of values in equal-width bins, drawn as bars.
public struct HistogramChart: Sendable {
    public var title: String
    public var xLabel: String
    public var counts: [Int]
    public var range: ClosedRange<Double>
    public var color: String

    /// Bins `values` into `bins` equal bins over `range` (default: the
    /// values' own range); values outside the range are not counted, as in
    /// NumPy's `histogram(range=)`.
    public init(title: String, xLabel: String = "value", values: [Float], bins: Int = 30,
                range: ClosedRange<Double>? = nil, color: String = ChartPalette.color(0)) {
        precondition(bins >= 1, "HistogramChart: bins must be >= 1")
        let finite = values.filter { $0.isFinite }.map(Double.init)
        var r = range ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
        if r.upperBound <= r.lowerBound { r = (r.lowerBound - 0.5)...(r.lowerBound + 0.5) }
        var counts = [Int](repeating: 0, count: bins)
        let width = (r.upperBound - r.lowerBound) / Double(bins)
        for v in finite where v >= r.lowerBound && v <= r.upperBound {
            counts[min(bins - 1, Int((v - r.lowerBound) / width))] += 1
        }
        self.title = title
        self.xLabel = xLabel
        self.counts = counts
        self.range = r
        self.color = color
    }

    public func svg(width: Double = 320, height: Double = 260) -> String {
        var b = SVGBuilder(width: width, height: height)
        draw(into: &b, frame: ChartFrame(x: 0, y: 0, width: width, height: height))
        return b.document
    }

    /// Title size and line height (px); a title wraps onto at most
    /// ``titleLines`` lines inside its panel, so panels side by side never
    /// share a title's space.
    static let titleSize = 13.0, titleLineHeight = 17.0, titleLines = 3

    /// The title's lines as drawn in a panel `width` wide.
    func titleLines(width: Double) -> [String] {
        TextFit.wrap(title, size: Self.titleSize, bold: true, width: width - 2 * Self.titleMargin, maxLines: Self.titleLines)
    }
    static let titleMargin = 8.0

    /// - Parameter reservedTitleLines: room kept for this many title lines
    ///   (panels of one picture share it, so their plots line up).
    public func draw(into b: inout SVGBuilder, frame f: ChartFrame, reservedTitleLines: Int = 1) {
        let xs = AxisScale(min: range.lowerBound, max: range.upperBound, count: 5)
        let ys = AxisScale(min: 0, max: Double(counts.max() ?? 1), count: 5)
        let lines = titleLines(width: f.width)
        for (i, line) in lines.enumerated() {
            b.text(line, f.x + f.width / 2, f.y + 18 + Double(i) * Self.titleLineHeight, size: Self.titleSize, anchor: .middle, weight: "bold")
        }
        let top = 18 + Double(max(lines.count, reservedTitleLines) - 1) * Self.titleLineHeight + 16
        let plot = ChartFrame(x: f.x + 66, y: f.y + top, width: f.width - 66 - 12, height: f.height - top - 52)
        Axes.draw(into: &b, plot: plot, x: xs, y: ys, title: nil, xLabel: xLabel, yLabel: "count", frame: f)
        let binWidth = (range.upperBound - range.lowerBound) / Double(counts.count)
        let bottom = plot.y + plot.height
        for (i, c) in counts.enumerated() where c > 0 {
            let x0 = xs.map(range.lowerBound + Double(i) * binWidth, to: plot.x, plot.x + plot.width)
            let x1 = xs.map(range.lowerBound + Double(i + 1) * binWidth, to: plot.x, plot.x + plot.width)
            let y = ys.map(Double(c), to: bottom, plot.y)
            b.rect(x0 + 0.5, y, x1 - x0 - 1, bottom - y, fill: color, title: "\(c)")
        }
    }

    /// Several histograms in one picture, one panel each, `columns` panels
    /// to a row (as many rows as needed): any number of layers keeps its
    /// panels, and so its titles, at a readable size.
    public static func row(_ charts: [HistogramChart], panelWidth: Double = 260, height: Double = 250, columns: Int = 4) -> String {
        precondition(columns >= 1, "HistogramChart.row: columns must be >= 1")
        let across = max(1, min(columns, charts.count))
        let rows = max(1, (charts.count + across - 1) / across)
        var b = SVGBuilder(width: panelWidth * Double(across), height: height * Double(rows))
        let titleLines = charts.map { $0.titleLines(width: panelWidth).count }.max() ?? 1
        for (i, c) in charts.enumerated() {
            c.draw(into: &b, frame: ChartFrame(x: Double(i % across) * panelWidth, y: Double(i / across) * height,
                                               width: panelWidth, height: height), reservedTitleLines: titleLines)
        }
        return b.document
    }
}
