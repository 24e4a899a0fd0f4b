import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// The report's layout and words: histogram titles that never overlap
/// (bounding boxes read back from the SVG), captions that state what the
/// run measured.
@Suite("Report layout and captions")
struct ReportLayoutTests {
    /// A `<text>` element's estimated box: what ``TextFit`` promises to bound.
    struct TextBox: CustomStringConvertible {
        var text: String
        var minX: Double, maxX: Double, minY: Double, maxY: Double
        var bold: Bool

        func intersects(_ o: TextBox) -> Bool {
            minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY
        }
        var description: String { "'\(text)' [\(Int(minX))...\(Int(maxX)) × \(Int(minY))...\(Int(maxY))]" }
    }

    /// Every unrotated `<text>` of `svg` with its box (the baseline at y;
    /// the glyphs from y − size to y + size/4, descenders included).
    static func textBoxes(_ svg: String) -> [TextBox] {
        let pattern = #"<text x="([-0-9.]+)" y="([-0-9.]+)" font-size="([0-9.]+)" text-anchor="(\w+)" font-weight="(\w+)" fill="[^"]*">([^<]*)</text>"#
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = svg as NSString
        return regex.matches(in: svg, range: NSRange(location: 0, length: ns.length)).map { m in
            func g(_ i: Int) -> String { ns.substring(with: m.range(at: i)) }
            let x = Double(g(1))!, y = Double(g(2))!, size = Double(g(3))!
            let text = g(6).replacingOccurrences(of: "&amp;", with: "&")
            let bold = g(5) == "bold"
            let w = TextFit.width(text, size: size, bold: bold)
            let minX: Double
            switch g(4) {
            case "middle": minX = x - w / 2
            case "end": minX = x - w
            default: minX = x
            }
            return TextBox(text: text, minX: minX, maxX: minX + w, minY: y - size, maxY: y + size / 4, bold: bold)
        }
    }

    /// The longest layer names the presets have (deep-cnn's convolutions).
    static func layerTitles(_ n: Int) -> [String] {
        (0..<n).map { i in
            i % 3 == 0 ? "layer \(i + 1): Conv2D(64×64×3×3, stride 1, padding 1)"
                : i % 3 == 1 ? "layer \(i + 1): ReLU" : "layer \(i + 1): MaxPool(2×2, stride 2, padding 0)"
        }
    }

    @Test(arguments: [1, 2, 4, 5, 9, 13, 19, 40])
    func histogramTitlesDoNotOverlapAtAnyLayerCount(layers: Int) throws {
        let charts = Self.layerTitles(layers).enumerated().map { i, title in
            HistogramChart(title: title, xLabel: "output value", values: (0..<100).map { Float($0 * (i + 1)) })
        }
        let svg = HistogramChart.row(charts, panelWidth: 260, height: 250, columns: 4)
        let width = Double(svg.firstMatch(of: /width="([0-9.]+)"/).map { String($0.1) } ?? "0")!
        let boxes = Self.textBoxes(svg)
        let titles = boxes.filter(\.bold)
        #expect(titles.count >= layers, "\(titles.count) title lines for \(layers) charts")
        for (i, t) in titles.enumerated() {
            #expect(t.minX >= 0 && t.maxX <= width, "title outside the picture: \(t)")
            for o in titles[(i + 1)...] { #expect(!t.intersects(o), "titles overlap: \(t) and \(o)") }
            for o in boxes where !o.bold { #expect(!t.intersects(o), "title \(t) overlaps \(o)") }
        }
        // Each title line fits its own 260-px panel.
        for t in titles { #expect(t.maxX - t.minX <= 260 - 16 + 1e-9, "\(t)") }
    }

    @Test func longTitlesWrapAndEndInAnEllipsisWhenCut() {
        let lines = TextFit.wrap("a very long layer name that does not fit in one narrow panel at all", size: 13, bold: true, width: 100, maxLines: 2)
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { TextFit.width($0, size: 13, bold: true) <= 100 })
        #expect(lines[1].hasSuffix("…"))
        #expect(TextFit.wrap("ReLU", size: 13, bold: true, width: 100, maxLines: 2) == ["ReLU"])
        let word = TextFit.wrap(String(repeating: "x", count: 30), size: 10, width: 64, maxLines: 5)
        #expect(word.allSatisfy { $0.count <= 10 } && word.joined() == String(repeating: "x", count: 30))
    }

    @Test func filterCaptionStatesTheMeasuredChange() {
        let before = FilterBank(count: 3, channels: 1, height: 2, width: 2, values: [Float](repeating: 1, count: 12))
        // Filter 0 unchanged, filter 1 +10% on every weight, filter 2 doubled.
        let after = FilterBank(count: 3, channels: 1, height: 2, width: 2,
                               values: [Float](repeating: 1, count: 4) + [Float](repeating: 1.1, count: 4) + [Float](repeating: 2, count: 4))
        let changes = before.relativeChanges(to: after)
        #expect(abs(changes[0]) < 1e-9 && abs(changes[1] - 0.1) < 1e-6 && abs(changes[2] - 1) < 1e-9)
        let caption = TrainingReport.filterCaption(before: before, after: after, trained: "16 training steps (1 epoch)")
        #expect(caption.contains("after 16 training steps (1 epoch)"), "\(caption)")
        #expect(caption.contains("10% of its initial norm (median; 0% to 100%)"), "\(caption)")
        #expect(!caption.contains("edge"))
    }

    /// A simple-cnn report after sixteen steps says sixteen steps, and its
    /// histogram titles (eight layers, long convolution names) stay apart.
    @Test func cnnReportCaptionsReflectTheRun() throws {
        let all = try CSVDataset.read(path: Fixtures.digits).images.subset(0..<200)
        let (train, test) = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0).apply(to: all)
        let network = try Network(spec: Preset.simpleCNN.spec(inputShape: [1, 8, 8], classes: 10), maxBatch: 10,
                                  optimizer: SGD(learningRate: 0.05), seed: 1)
        let trainer = try Trainer(network: network, train: train, test: test, options: .init(epochs: 1, batchSize: 10, seed: 1))
        let report = TrainingReport(network: network, title: "cnn")
        _ = try trainer.run(onStep: { report.recordStep(stepInEpoch: $0.stepInEpoch, runningMean: $0.loss) },
                            onEpoch: { report.recordEpoch(.init(epoch: $0.epoch, train: Double($0.trainAccuracy), validation: nil,
                                                                test: $0.testAccuracy.map(Double.init))) })
        #expect(report.stepLosses.count == 16)
        let html = report.html(network: network, test: test, probe: test, settings: [])
        #expect(html.contains("The same filters after 16 training steps (1 epoch)"))
        #expect(html.contains("after 16 training steps (1 epoch) (30 bins"))
        #expect(!html.contains("edge and blob"))
        let histograms = try #require(html.components(separatedBy: "<svg ").first { $0.contains("output value") })
        let titles = Self.textBoxes(histograms).filter(\.bold)
        for (i, t) in titles.enumerated() {
            for o in titles[(i + 1)...] { #expect(!t.intersects(o), "titles overlap: \(t) and \(o)") }
        }
    }
}
