import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Pictures: every SVG is well-formed XML and renders; PNGs decode.
@Suite("Reports and pictures")
struct ReportTests {
    static let rsvg: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs a program; returns its exit status and stderr.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    final class ParserErrors: NSObject, XMLParserDelegate {
        var error: String?
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = "\(parseError)" }
    }

    /// Well-formed XML (Foundation's parser), and, when rsvg-convert is
    /// installed, rendered to PNG without error.
    func expectValidSVG(_ svg: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let delegate = ParserErrors()
        parser.delegate = delegate
        #expect(parser.parse(), "\(name): not well-formed XML: \(delegate.error ?? "?")", sourceLocation: sourceLocation)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), sourceLocation: sourceLocation)
        guard let rsvg = Self.rsvg else { return }
        let dir = TemporaryDirectory()
        try AtomicFile.write(Array(svg.utf8), to: dir.path("\(name).svg"))
        let result = try Self.run(rsvg, [dir.path("\(name).svg"), "-o", dir.path("\(name).png")])
        #expect(result.status == 0, "rsvg-convert failed on \(name): \(result.output)", sourceLocation: sourceLocation)
        let png = try AtomicFile.read(dir.path("\(name).png"))
        #expect(png.count > 100, sourceLocation: sourceLocation)
    }

    static func sampleImages() -> [GrayImage] {
        (0..<6).map { k in GrayImage(width: 8, height: 8, pixels: (0..<64).map { UInt8(($0 * 4 + k * 40) % 256) }) }
    }

    @Test func rsvgConvertIsAvailableOrTheRenderCheckIsSkipped() {
        if Self.rsvg == nil {
            // Recorded so a run without librsvg2-bin says what it did not check.
            Issue.record("rsvg-convert not found (apt-get install librsvg2-bin): SVGs were only checked as XML", severity: .warning)
        }
    }

    @Test func lineChartIsValidSVGWithAxesTicksTitlesAndLegend() throws {
        let chart = LineChart(title: "Loss & <accuracy>", xLabel: "iteration", yLabel: "loss",
                              series: [.init(name: "raw", points: (0..<100).map { (Double($0), 2 / Double($0 + 1)) }, color: "#123456"),
                                       .init(name: "smoothed", points: [(0, 1), (99, 0.1)], color: "#654321", markers: true)])
        let svg = chart.svg()
        try expectValidSVG(svg, "line")
        #expect(svg.contains("Loss &amp; &lt;accuracy&gt;"))
        #expect(svg.contains(">iteration</text>") && svg.contains(">loss</text>"))
        #expect(svg.contains(">raw</text>") && svg.contains(">smoothed</text>"))
        #expect(svg.contains(">0</text>") && svg.contains(">100</text>"), "x tick labels")
    }

    @Test func histogramsConfusionMatrixAndImageGridsAreValidSVG() throws {
        let values = (0..<1000).map { Float($0 % 37) / 37 }
        try expectValidSVG(HistogramChart(title: "h", values: values, bins: 30).svg(), "histogram")
        try expectValidSVG(HistogramChart.row([HistogramChart(title: "a", values: values), HistogramChart(title: "b", values: [])]), "histogram-row")
        var matrix = ConfusionMatrix(classes: 3)
        matrix.add(trueClass: 0, predicted: 0)
        matrix.add(trueClass: 1, predicted: 2)
        matrix.add(trueClass: 2, predicted: 2)
        #expect(matrix.correct == 2 && matrix.total == 3)
        try expectValidSVG(matrix.svg(classNames: ["T-shirt/top", "Trouser", "A & B"]), "confusion")
        let tiles = Self.sampleImages().map { ImageGridChart.Tile(image: $0, caption: "pred 1\ntrue 2", captionColor: "#b00") }
        let grid = ImageGridChart(title: "grid", tiles: tiles, columns: 4).svg()
        try expectValidSVG(grid, "grid")
        // Each image is linked twice (href and xlink:href, for older viewers).
        #expect(grid.components(separatedBy: "data:image/png;base64,").count == 1 + 2 * 6)
        let filters = FilterBank(count: 4, channels: 2, height: 5, width: 5, values: (0..<200).map { Float($0).squareRoot() })
        try expectValidSVG(filters.grid(title: "filters").svg(), "filters")
    }

    @Test func weightInitExperimentMatchesTheBook() throws {
        // Sigmoid with std 1 saturates: most activations end near 0 or 1.
        let layers = WeightInitExperiment.run(activation: .sigmoid, initializer: .gaussian(std: 1))
        #expect(layers.count == 5 && layers.allSatisfy { $0.count == 100_000 })
        let saturated = Double(layers[4].filter { $0 < 0.05 || $0 > 0.95 }.count) / 100_000
        #expect(saturated > 0.5, "saturated share \(saturated)")
        // Xavier keeps them spread around 0.5.
        let xavier = WeightInitExperiment.run(activation: .sigmoid, initializer: .xavier)
        let xavierSaturated = Double(xavier[4].filter { $0 < 0.05 || $0 > 0.95 }.count) / 100_000
        #expect(xavierSaturated < 0.05, "saturated share with Xavier \(xavierSaturated)")
        for activation in WeightInitExperiment.Activation.allCases {
            let l = WeightInitExperiment.run(activation: activation, initializer: .he, samples: 200)
            try expectValidSVG(WeightInitExperiment.svg(activation: activation, initializer: .he, layers: l), "init-\(activation)")
        }
    }

    @Test func kaiserWindowAndSmoothingFollowTheBook() {
        let w = Smoothing.kaiserWindow(length: 11, beta: 2)
        // np.kaiser(11, 2): ends are 1/I0(2) = 0.4386762, the middle is 1.
        #expect(abs(w[0] - 0.4386762) < 1e-6 && abs(w[10] - w[0]) < 1e-15 && abs(w[5] - 1) < 1e-15)
        #expect(zip(w, w.reversed()).allSatisfy { abs($0 - $1) < 1e-15 })
        let constant = Smoothing.kaiserSmoothed([Double](repeating: 3, count: 50))
        #expect(constant.count == 50 && constant.allSatisfy { abs($0 - 3) < 1e-12 })
        let noisy = (0..<200).map { Double($0 % 2) }
        let smooth = Smoothing.kaiserSmoothed(noisy)
        #expect(smooth.count == 200)
        #expect(smooth[20..<180].allSatisfy { abs($0 - 0.5) < 0.1 }, "alternating 0/1 smooths to about 0.5")
    }

    @Test func axisTicksAreNiceAndCoverTheRange() {
        let s = AxisScale(min: 0.13, max: 2.71, count: 7)
        #expect(s.lower <= 0.13 && s.upper >= 2.71)
        #expect(s.step == 0.5)
        #expect(s.ticks == [0, 0.5, 1, 1.5, 2, 2.5, 3])
        #expect(ChartNumber.tick(1.5, step: 0.5) == "1.5" && ChartNumber.tick(2, step: 0.5) == "2")
        #expect(AxisScale(min: 1, max: 3, count: 7, minimumStep: 1).ticks == [1, 2, 3])
    }

    /// Parses a PNG independently of the encoder: chunk layout, CRC-32 (a
    /// plain bitwise implementation), zlib stream (zlib via the gzip reader
    /// is not used: the test inflates with Python when present).
    static func pngChunks(_ png: [UInt8]) -> [(type: String, data: [UInt8], crcOK: Bool)]? {
        guard png.count > 8, png[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return c ^ 0xFFFF_FFFF
        }
        func u32(_ o: Int) -> UInt32 { UInt32(png[o]) << 24 | UInt32(png[o + 1]) << 16 | UInt32(png[o + 2]) << 8 | UInt32(png[o + 3]) }
        var chunks: [(String, [UInt8], Bool)] = []
        var o = 8
        while o + 12 <= png.count {
            let length = Int(u32(o))
            guard o + 12 + length <= png.count else { return nil }
            let type = String(decoding: png[(o + 4)..<(o + 8)], as: UTF8.self)
            let ok = crc(png[(o + 4)..<(o + 8 + length)]) == u32(o + 8 + length)
            chunks.append((type, Array(png[(o + 8)..<(o + 8 + length)]), ok))
            o += 12 + length
        }
        return o == png.count ? chunks : nil
    }

    @Test func pngHasValidChunksAndDecodesToThePixels() throws {
        let pixels = (0..<(13 * 7)).map { UInt8(($0 * 37) % 256) }
        let png = PNGEncoder.encode(width: 13, height: 7, pixels: pixels)
        let chunks = try #require(Self.pngChunks(png))
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks.allSatisfy { $0.crcOK })
        #expect(chunks[0].data == [0, 0, 0, 13, 0, 0, 0, 7, 8, 0, 0, 0, 0])

        guard let python = Self.python else {
            Issue.record("python3 not found: PNG pixels not decoded independently", severity: .warning)
            return
        }
        let dir = TemporaryDirectory()
        try AtomicFile.write(png, to: dir.path("a.png"))
        // A decoder written against the PNG spec (filter type 0 only, which is what we write).
        let script = """
        import sys, struct, zlib
        d = open(sys.argv[1], 'rb').read()
        assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        o, idat = 8, b''
        while o < len(d):
            n, t = struct.unpack('>I4s', d[o:o+8]); body = d[o+8:o+8+n]
            assert zlib.crc32(t + body) & 0xffffffff == struct.unpack('>I', d[o+8+n:o+12+n])[0], t
            if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if t == b'IDAT': idat += body
            o += 12 + n
        raw = zlib.decompress(idat)
        ch = {0: 1, 2: 3}[ctype]
        assert len(raw) == h * (w * ch + 1)
        rows = [raw[y*(w*ch+1):(y+1)*(w*ch+1)] for y in range(h)]
        assert all(r[0] == 0 for r in rows)
        sys.stdout.write(','.join(str(b) for r in rows for b in r[1:]))
        """
        try AtomicFile.write(Array(script.utf8), to: dir.path("decode.py"))
        let result = try Self.run(python, [dir.path("decode.py"), dir.path("a.png")])
        #expect(result.status == 0, "python PNG decode failed: \(result.output)")
        #expect(result.output == pixels.map(String.init).joined(separator: ","))

        let tiled = GrayImage.tiledPNG(Self.sampleImages(), columns: 4, scale: 2)
        try AtomicFile.write(tiled, to: dir.path("tiled.png"))
        let tiledResult = try Self.run(python, [dir.path("decode.py"), dir.path("tiled.png")])
        #expect(tiledResult.status == 0, "tiled PNG: \(tiledResult.output)")
        // 4 columns of 16 px + 5 gaps of 2 = 74 wide; 2 rows + 3 gaps = 38 high.
        #expect(tiledResult.output.split(separator: ",").count == 74 * 38)
    }

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
    }

    @Test func trainingReportPageHoldsEveryChartAndEachIsValid() throws {
        let all = try CSVDataset.read(path: Fixtures.digits).images
        let (train, test) = try ValidationSplit(count: all.count, fraction: 0.2, seed: 0).apply(to: all)
        let network = try Network(spec: Preset.twoLayer.spec(inputShape: [1, 8, 8], classes: 10), maxBatch: 50,
                                  optimizer: SGD(learningRate: 0.1), seed: 1)
        let trainer = try Trainer(network: network, train: train, test: test, options: .init(epochs: 3, batchSize: 50, seed: 1))
        let report = TrainingReport(network: network, title: "digits")
        _ = try trainer.run(onStep: { report.recordStep(stepInEpoch: $0.stepInEpoch, runningMean: $0.loss) },
                            onEpoch: { report.recordEpoch(.init(epoch: $0.epoch, train: Double($0.trainAccuracy), validation: 0.5,
                                                                test: $0.testAccuracy.map(Double.init))) })
        #expect(report.stepLosses.count == trainer.stepsPerEpoch * 3)
        #expect(report.stepLosses.allSatisfy { $0.isFinite && $0 > 0 })
        let html = report.html(network: network, test: test, probe: test, settings: [("model", "two-layer")])
        let svgs = html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        // Loss, accuracy, activation histograms, mistakes, confusion matrix (no conv layer: no filters).
        #expect(svgs.count == 5)
        for (i, svg) in svgs.enumerated() { try expectValidSVG(svg, "report-\(i)") }
        #expect(html.contains("Training loss per iteration") && html.contains("Accuracy per epoch") && html.contains("Confusion matrix"))
        #expect(html.contains(">validation</text>") && html.contains(">test</text>"))
    }

    @Test func stepLossesAreRecoveredFromRunningMeans() {
        let losses: [Float] = [2.0, 1.5, 1.25, 0.5, 0.75]
        let report = TrainingReportProbe.recover(losses)
        for (a, b) in zip(report, losses) { #expect(abs(a - Double(b)) < 1e-5) }
    }
}

/// Feeds running means (as the trainer reports them) to a report.
enum TrainingReportProbe {
    static func recover(_ losses: [Float]) -> [Double] {
        let network = try! Network(spec: Preset.twoLayer.spec(inputShape: [2], classes: 2), maxBatch: 1)
        let report = TrainingReport(network: network, title: "t")
        var total = 0.0
        for (i, l) in losses.enumerated() {
            total += Double(l)
            report.recordStep(stepInEpoch: i + 1, runningMean: Float(total / Double(i + 1)))
        }
        return report.stepLosses
    }
}
