import ScratchNetCore

/// Collects what a training run shows and turns it into an HTML page
/// (`scratchnet train --report DIR`).
///
/// Made before training (it copies the first convolution layer's filters,
/// if any, as they were initialized), fed every step's loss and every
/// epoch's accuracies, and asked for the page after training.
public final class TrainingReport {
    public struct EpochAccuracy: Sendable, Equatable {
        public var epoch: Int
        public var train: Double
        public var validation: Double?
        public var test: Double?
        public init(epoch: Int, train: Double, validation: Double?, test: Double?) {
            self.epoch = epoch; self.train = train; self.validation = validation; self.test = test
        }
    }

    public let title: String
    public private(set) var stepLosses: [Double] = []
    public private(set) var epochs: [EpochAccuracy] = []
    public let filtersBefore: FilterBank?
    private var previousMean = 0.0

    public init(network: Network, title: String) {
        self.title = title
        filtersBefore = NetworkInspection.firstConvFilters(of: network)
    }

    public func recordStep(loss: Double) { stepLosses.append(loss) }

    /// Records a step from the running mean of the epoch so far (what
    /// ``Trainer/StepProgress`` reports): the step's own loss is
    /// k·mean_k − (k−1)·mean_(k−1), exact up to float rounding (the means
    /// are Float; the error is below 1e-4 for epochs of a few thousand steps).
    public func recordStep(stepInEpoch k: Int, runningMean: Float) {
        let mean = Double(runningMean)
        let loss = k == 1 ? mean : Double(k) * mean - Double(k - 1) * previousMean
        previousMean = mean
        stepLosses.append(loss)
    }

    public func recordEpoch(_ e: EpochAccuracy) { epochs.append(e) }

    /// The page.
    /// - Parameters:
    ///   - test: scored for the confusion matrix and the misclassified grid (nil skips them).
    ///   - probe: samples whose per-layer activations are histogrammed.
    ///   - settings: name/value rows for the run's settings table.
    public func html(network: Network, test: LabeledImages?, probe: LabeledImages,
                     settings: [(String, String)], classNames: [String]? = nil, misclassifiedCount: Int = 20) -> String {
        var page = HTMLReport(title: title)
        page.table(header: ["setting", "value"], rows: settings.map { [$0.0, $0.1] })

        page.heading("Loss")
        let raw = stepLosses.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        let smooth = Smoothing.kaiserSmoothed(stepLosses).enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        let lossChart = LineChart(title: "Training loss per iteration", xLabel: "iteration (mini-batch)", yLabel: "loss",
                                  series: [.init(name: "raw", points: raw, color: "#9bbfdc", width: 1),
                                           .init(name: "smoothed (Kaiser 11, β=2)", points: smooth, color: ChartPalette.color(1), width: 2)])
        page.figure(svg: lossChart.svg(width: 900, height: 380),
                    caption: "Cross-entropy loss (plus weight decay) of each mini-batch: light blue raw, orange smoothed with the book's smooth_curve (an 11-point Kaiser window, β = 2, mirrored at the ends).")

        page.heading("Accuracy")
        var series: [LineChart.Series] = [.init(name: "train", points: epochs.map { (Double($0.epoch), $0.train * 100) }, color: ChartPalette.color(0), markers: true)]
        if epochs.contains(where: { $0.validation != nil }) {
            series.append(.init(name: "validation", points: epochs.compactMap { e in e.validation.map { (Double(e.epoch), $0 * 100) } }, color: ChartPalette.color(2), markers: true))
        }
        if epochs.contains(where: { $0.test != nil }) {
            series.append(.init(name: "test", points: epochs.compactMap { e in e.test.map { (Double(e.epoch), $0 * 100) } }, color: ChartPalette.color(1), markers: true))
        }
        let lo = epochs.flatMap { [$0.train, $0.validation, $0.test].compactMap { $0 } }.min() ?? 0
        var accuracyChart = LineChart(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (%)", series: series,
                                      yRange: max(0, (lo * 100 - 5).rounded(.down))...100)
        accuracyChart.integerX = true
        page.figure(svg: accuracyChart.svg(width: 900, height: 360),
                    caption: "Share of samples classified correctly after each epoch, on the training data, the validation split (when --validation-split is set) and the test set.")
        page.table(header: ["epoch", "train", "validation", "test"], rows: epochs.map { e in
            ["\(e.epoch)", pct(e.train), e.validation.map(pct) ?? "-", e.test.map(pct) ?? "-"]
        })

        page.heading("Activations")
        let acts = NetworkInspection.activations(of: network, on: probe, count: 1000)
        let charts = acts.enumerated().map { i, a in
            HistogramChart(title: "layer \(a.layer)", xLabel: "output value", values: a.values, bins: 30, color: ChartPalette.color(i))
        }
        if !charts.isEmpty {
            page.figure(svg: HistogramChart.row(charts, panelWidth: 260, height: 250, columns: 4),
                        caption: "Distribution of each layer's outputs for \(min(1000, probe.count, network.maxBatch)) samples after \(trainedDescription) (30 bins over each layer's range).")
        }

        if let test {
            let predicted = NetworkInspection.predictions(of: network, on: test)
            var matrix = ConfusionMatrix(classes: network.classes)
            var tiles: [ImageGridChart.Tile] = []
            for (i, p) in predicted.enumerated() {
                let t = Int(test.labels[i])
                matrix.add(trueClass: t, predicted: p)
                if p != t && tiles.count < misclassifiedCount {
                    tiles.append(.init(image: GrayImage(sample: i, of: test),
                                       caption: "#\(i)\npred \(name(p, classNames))\ntrue \(name(t, classNames))",
                                       captionColor: "#b00"))
                }
            }
            page.heading("Mistakes")
            page.figure(svg: ImageGridChart(title: "First \(tiles.count) misclassified test images", tiles: tiles, columns: 5, tileSize: 84).svg(),
                        caption: "Test images the trained network gets wrong, in test-set order: sample number, predicted class and true class.")
            page.figure(svg: matrix.svg(title: "Confusion matrix (test set, accuracy \(pct(matrix.accuracy)))", classNames: classNames),
                        caption: "Rows: true class; columns: predicted class. Each cell shows the count; its shade is the share of the row (recall), so the diagonal is per-class accuracy.")
        }

        if let before = filtersBefore, let after = NetworkInspection.firstConvFilters(of: network) {
            page.heading("First convolution layer")
            page.figure(svg: before.grid(title: "Filters before training").svg(),
                        caption: "The first convolution layer's \(before.count) filters (first input channel) as initialized (random draws), each scaled to its own range.")
            page.figure(svg: after.grid(title: "Filters after training").svg(),
                        caption: Self.filterCaption(before: before, after: after, trained: trainedDescription))
        }
        return page.html
    }

    /// "16 training steps (1 epoch)": what this run trained, from what it recorded.
    var trainedDescription: String {
        let steps = stepLosses.count, n = epochs.count
        return "\(steps) training step\(steps == 1 ? "" : "s") (\(n) epoch\(n == 1 ? "" : "s"))"
    }

    /// What training did to the filters, measured: each filter's change
    /// ‖after − before‖ / ‖before‖ (all channels), as median and range.
    public static func filterCaption(before: FilterBank, after: FilterBank, trained: String) -> String {
        let changes = before.relativeChanges(to: after).filter(\.isFinite)
        guard !changes.isEmpty else { return "The same filters after \(trained)." }
        let sorted = changes.sorted()
        func p(_ v: Double) -> String { ChartNumber.plain(v * 100, decimals: 1) + "%" }
        return "The same filters after \(trained), each scaled to its own range (the book's ch07/visualize_filter.py). "
            + "Each filter moved by \(p(sorted[sorted.count / 2])) of its initial norm (median; \(p(sorted.first!)) to \(p(sorted.last!))): "
            + "‖after − before‖ / ‖before‖ over all its weights."
    }

    func pct(_ v: Double) -> String { ChartNumber.plain(v * 100, decimals: 2) + "%" }
    func name(_ c: Int, _ names: [String]?) -> String {
        guard let names, c < names.count else { return "\(c)" }
        return names[c]
    }
}
