import ScratchNetCore

/// A line chart with axes, tick labels, axis titles and a legend.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var width: Double
        public var opacity: Double
        /// Draw a dot at every point (for short series such as per-epoch accuracy).
        public var markers: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: String, width: Double = 1.5,
                    opacity: Double = 1, markers: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.width = width
            self.opacity = opacity
            self.markers = markers
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed y range (e.g. 0...1 for accuracy); nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// Ticks on whole numbers only (epochs).
    public var integerX = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    /// A standalone SVG document.
    public func svg(width: Double = 640, height: Double = 360) -> String {
        var b = SVGBuilder(width: width, height: height)
        draw(into: &b, frame: ChartFrame(x: 0, y: 0, width: width, height: height))
        return b.document
    }

    public func draw(into b: inout SVGBuilder, frame f: ChartFrame) {
        let all = series.flatMap { $0.points }.filter { $0.x.isFinite && $0.y.isFinite }
        let xs = AxisScale(min: all.map(\.x).min() ?? 0, max: all.map(\.x).max() ?? 1, count: 7, minimumStep: integerX ? 1 : 0)
        let ys = AxisScale(min: yRange?.lowerBound ?? all.map(\.y).min() ?? 0,
                           max: yRange?.upperBound ?? all.map(\.y).max() ?? 1, count: 6)
        let plot = ChartFrame(x: f.x + 64, y: f.y + 34, width: f.width - 64 - 16, height: f.height - 34 - 52)
        Axes.draw(into: &b, plot: plot, x: xs, y: ys, title: title, xLabel: xLabel, yLabel: yLabel, frame: f)
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map {
                (xs.map($0.x, to: plot.x, plot.x + plot.width), ys.map($0.y, to: plot.y + plot.height, plot.y))
            }
            b.polyline(pts, stroke: s.color, width: s.width, opacity: s.opacity)
            if s.markers { for p in pts { b.circle(p.0, p.1, r: 3, fill: s.color) } }
        }
        Legend.draw(into: &b, entries: series.map { ($0.name, $0.color) }, right: plot.x + plot.width - 8, top: plot.y + 8)
    }
}

/// Axes, grid, ticks, tick labels and titles shared by the charts.
enum Axes {
    static func draw(into b: inout SVGBuilder, plot: ChartFrame, x xs: AxisScale, y ys: AxisScale,
                     title: String?, xLabel: String, yLabel: String, frame f: ChartFrame,
                     xTickLabels: Bool = true) {
        // nil: the caller draws (and fits) its own title.
        if let title { b.text(title, f.x + f.width / 2, f.y + 20, size: 15, anchor: .middle, weight: "bold") }
        let bottom = plot.y + plot.height
        for t in ys.ticks {
            let y = ys.map(t, to: bottom, plot.y)
            b.line(plot.x, y, plot.x + plot.width, y, stroke: "#e4e4e4")
            b.line(plot.x - 5, y, plot.x, y, stroke: "#333")
            b.text(ChartNumber.tick(t, step: ys.step), plot.x - 8, y + 4, size: 11, anchor: .end)
        }
        for t in xs.ticks {
            let x = xs.map(t, to: plot.x, plot.x + plot.width)
            b.line(x, plot.y, x, bottom, stroke: "#f0f0f0")
            b.line(x, bottom, x, bottom + 5, stroke: "#333")
            if xTickLabels { b.text(ChartNumber.tick(t, step: xs.step), x, bottom + 18, size: 11, anchor: .middle) }
        }
        b.line(plot.x, bottom, plot.x + plot.width, bottom, stroke: "#333")
        b.line(plot.x, plot.y, plot.x, bottom, stroke: "#333")
        b.text(xLabel, plot.x + plot.width / 2, bottom + 38, size: 12, anchor: .middle)
        b.text(yLabel, f.x + 14, plot.y + plot.height / 2, size: 12, anchor: .middle, rotate: -90)
    }
}

/// A boxed legend in the top-right corner of a plot.
enum Legend {
    static func draw(into b: inout SVGBuilder, entries: [(String, String)], right: Double, top: Double) {
        guard !entries.isEmpty else { return }
        // Approximate text width: 6.5 units per character at 11 px.
        let width = Double(entries.map(\.0.count).max() ?? 0) * 6.5 + 36
        let height = Double(entries.count) * 18 + 8
        b.rect(right - width, top, width, height, fill: "white", stroke: "#bbb")
        for (i, (name, color)) in entries.enumerated() {
            let y = top + 15 + Double(i) * 18
            b.line(right - width + 8, y - 4, right - width + 26, y - 4, stroke: color, width: 3)
            b.text(name, right - width + 32, y, size: 11)
        }
    }
}
