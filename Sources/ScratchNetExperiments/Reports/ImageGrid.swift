import ScratchNetCore

/// A grayscale picture: `width × height` bytes, row after row.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "GrayImage: \(pixels.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Sample `index` of `data` (its first channel).
    /// Tabular samples are no pictures: a row of features is drawn as a
    /// 1 × features strip, normalized to its own range.
    public init(sample index: Int, of data: LabeledImages) {
        if data.isTabular {
            let n = data.samplePixels
            self.init(normalizing: Array(data.features[index * n..<(index + 1) * n]), width: n, height: 1)
            return
        }
        let shape = data.sampleShape
        let (h, w) = shape.count >= 2 ? (shape[shape.count - 2], shape[shape.count - 1]) : (1, shape[0])
        let start = index * data.samplePixels
        self.init(width: w, height: h, pixels: Array(data.pixels[start..<start + w * h]))
    }

    /// Floats mapped linearly from their own [min, max] to 0...255 (how
    /// the book's `visualize_filter.py` shows each filter).
    public init(normalizing values: [Float], width: Int, height: Int) {
        let lo = values.min() ?? 0, hi = values.max() ?? 0
        let scale = hi > lo ? 255 / (hi - lo) : 0
        self.init(width: width, height: height, pixels: values.map { UInt8(max(0, min(255, (($0 - lo) * scale).rounded()))) })
    }

    /// PNG bytes, enlarged `factor` times without smoothing.
    public func png(scale factor: Int = 1) -> [UInt8] {
        PNGEncoder.encode(width: width * factor, height: height * factor,
                          pixels: PNGEncoder.upscale(pixels, width: width, height: height, factor: factor))
    }

    /// Many images tiled in a grid of `columns`, with `gap` pixels of `background`
    /// between them, as one PNG (what `scratchnet show` writes).
    public static func tiledPNG(_ images: [GrayImage], columns: Int, scale: Int = 2, gap: Int = 2,
                                background: UInt8 = 128) -> [UInt8] {
        precondition(!images.isEmpty && columns >= 1, "GrayImage.tiledPNG: nothing to tile")
        let cw = images.map(\.width).max()! * scale, ch = images.map(\.height).max()! * scale
        let cols = min(columns, images.count), rows = (images.count + cols - 1) / cols
        let width = cols * cw + (cols + 1) * gap, height = rows * ch + (rows + 1) * gap
        var canvas = [UInt8](repeating: background, count: width * height)
        for (i, image) in images.enumerated() {
            let ox = gap + (i % cols) * (cw + gap), oy = gap + (i / cols) * (ch + gap)
            for y in 0..<(image.height * scale) {
                for x in 0..<(image.width * scale) {
                    canvas[(oy + y) * width + ox + x] = image.pixels[(y / scale) * image.width + x / scale]
                }
            }
        }
        return PNGEncoder.encode(width: width, height: height, pixels: canvas)
    }
}

/// Images in a grid with a caption under each, as SVG (images embedded as
/// PNG `data:` URIs, so the picture is self-contained).
public struct ImageGridChart: Sendable {
    public struct Tile: Sendable {
        public var image: GrayImage
        public var caption: String
        /// Caption colour (red for a wrong prediction, say).
        public var captionColor: String
        public init(image: GrayImage, caption: String, captionColor: String = "#222") {
            self.image = image
            self.caption = caption
            self.captionColor = captionColor
        }
    }

    public var title: String
    public var tiles: [Tile]
    public var columns: Int
    /// Displayed size of each tile's longer side, in SVG units.
    public var tileSize: Double

    public init(title: String, tiles: [Tile], columns: Int = 10, tileSize: Double = 56) {
        self.title = title
        self.tiles = tiles
        self.columns = max(1, columns)
        self.tileSize = tileSize
    }

    public func svg() -> String {
        let cols = max(1, min(columns, tiles.count))
        let rows = (tiles.count + cols - 1) / cols
        let lines = tiles.map { $0.caption.isEmpty ? 0 : $0.caption.split(separator: "\n").count }.max() ?? 0
        let longest = tiles.flatMap { $0.caption.split(separator: "\n") }.map(\.count).max() ?? 0
        let cellW = max(tileSize + 12, Double(longest) * 6.6 + 10), cellH = tileSize + 12 + Double(lines) * 13
        let width = Double(cols) * cellW + 20, height = 40 + Double(max(rows, 1)) * cellH
        var b = SVGBuilder(width: max(width, 240), height: height)
        b.text(title, max(width, 240) / 2, 22, size: 15, anchor: .middle, weight: "bold")
        if tiles.isEmpty { b.text("(none)", 20, 56, size: 12) }
        for (i, tile) in tiles.enumerated() {
            let cx = 10 + Double(i % cols) * cellW + cellW / 2
            let top = 36 + Double(i / cols) * cellH
            let aspect = Double(tile.image.width) / Double(tile.image.height)
            let w = aspect >= 1 ? tileSize : tileSize * aspect
            let h = aspect >= 1 ? tileSize / aspect : tileSize
            let factor = max(1, Int(tileSize) / max(tile.image.width, tile.image.height))
            b.image(Base64.pngDataURI(tile.image.png(scale: factor)), cx - w / 2, top, w, h)
            b.rect(cx - w / 2, top, w, h, fill: "none", stroke: "#999")
            if !tile.caption.isEmpty {
                for (k, line) in tile.caption.split(separator: "\n").enumerated() {
                    b.text(String(line), cx, top + h + 14 + Double(k) * 13, size: 11, anchor: .middle, fill: tile.captionColor)
                }
            }
        }
        return b.document
    }
}
