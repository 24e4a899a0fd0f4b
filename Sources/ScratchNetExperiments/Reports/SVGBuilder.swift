#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// A rectangle in SVG user units (y grows downwards).
public struct ChartFrame: Sendable, Equatable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// Accumulates SVG elements as text; escapes whatever it is given as text.
///
/// Charts draw into a builder inside a frame, so one picture can hold
/// several panels (the per-layer histograms) and a page can hold several
/// pictures.
public struct SVGBuilder {
    public private(set) var body: String = ""
    public let width: Double
    public let height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// The whole document: an `<svg>` root with a white background.
    public var document: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
            + "width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"white\"/>\n"
            + body + "</svg>\n"
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double,
                              stroke: String = "#333", width: Double = 1, dash: String? = nil) {
        body += "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String,
                              stroke: String? = nil, title: String? = nil) {
        body += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(w, 0)))\" height=\"\(n(max(h, 0)))\" fill=\"\(fill)\""
            + (stroke.map { " stroke=\"\($0)\"" } ?? "")
            + (title.map { "><title>\(Self.escape($0))</title></rect>\n" } ?? "/>\n")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, opacity: Double = 1) {
        guard !points.isEmpty else { return }
        let coords = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body += "<polyline points=\"\(coords)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\" stroke-opacity=\"\(n(opacity))\" stroke-linejoin=\"round\"/>\n"
    }

    public mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String) {
        body += "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\"/>\n"
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                              weight: String = "normal", fill: String = "#222", rotate: Double? = nil) {
        let transform = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        body += "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(Self.escape(s))</text>\n"
    }

    /// An embedded raster image (a PNG `data:` URI), drawn without smoothing.
    public mutating func image(_ href: String, _ x: Double, _ y: Double, _ w: Double, _ h: Double) {
        body += "<image x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"\(href)\" xlink:href=\"\(href)\"/>\n"
    }

    /// XML escaping for text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Coordinates with at most two decimals (smaller files, stable output).
    func n(_ v: Double) -> String { ChartNumber.plain(v, decimals: 2) }
}

/// Number formatting for charts, without Foundation.
public enum ChartNumber {
    /// Fixed-point with up to `decimals` decimals, trailing zeros removed.
    public static func plain(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        if scaled == 0 { return "0" }
        let whole = (scaled / scale).rounded(.down)
        var frac = Int(scaled - whole * scale)
        var digits = decimals
        while digits > 0 && frac % 10 == 0 { frac /= 10; digits -= 1 }
        var fracText = digits > 0 ? String(frac) : ""
        while fracText.count < digits { fracText = "0" + fracText }
        let wholeText = whole < 1e15 ? String(Int(whole)) : "\(whole)"
        return (v < 0 ? "-" : "") + wholeText + (digits > 0 ? "." + fracText : "")
    }

    /// A tick label: enough decimals for `step`, scientific for tiny or huge values.
    public static func tick(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let magnitude = abs(v)
        if magnitude >= 1e6 || magnitude < 1e-4 { return scientific(v) }
        let decimals = max(0, Int(-log10(step * (1 + 1e-9)).rounded(.down)))
        return plain(v, decimals: min(decimals, 6))
    }

    static func scientific(_ v: Double) -> String {
        let e = Int(log10(abs(v)).rounded(.down))
        let m = v / pow(10, Double(e))
        return plain(m, decimals: 2) + "e" + String(e)
    }
}

/// "Nice" axis ticks (steps of 1, 2 or 5 × 10^k) covering a range.
public struct AxisScale: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let ticks: [Double]
    public let step: Double

    /// About `count` ticks spanning `[min, max]`, the range widened to whole steps.
    public init(min lo: Double, max hi: Double, count: Int = 6, minimumStep: Double = 0) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi <= lo {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let rough = (hi - lo) / Double(Swift.max(count - 1, 1))
        let power = pow(10, log10(rough).rounded(.down))
        let fraction = rough / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        step = Swift.max(nice * power, minimumStep)
        lower = (lo / step).rounded(.down) * step
        upper = (hi / step).rounded(.up) * step
        var t: [Double] = []
        var v = lower
        while v <= upper + step * 1e-9 {
            t.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        ticks = t
    }

    /// Position of `v` in `[a, b]` (screen units).
    public func map(_ v: Double, to a: Double, _ b: Double) -> Double {
        upper == lower ? a : a + (v - lower) / (upper - lower) * (b - a)
    }
}

/// Colours that stay distinguishable for common colour-vision deficiencies
/// (Okabe–Ito).
public enum ChartPalette {
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    public static func color(_ i: Int) -> String { colors[i % colors.count] }
}
