import ScratchNetCore

/// A self-contained HTML page: headings, paragraphs, tables and inline SVG
/// figures, with no scripts and no external files.
public struct HTMLReport: Sendable {
    public var title: String
    private var parts: [String] = []

    public init(title: String) { self.title = title }

    public mutating func heading(_ text: String) {
        parts.append("<h2>\(SVGBuilder.escape(text))</h2>")
    }

    public mutating func paragraph(_ text: String) {
        parts.append("<p>\(SVGBuilder.escape(text))</p>")
    }

    /// An SVG document shown inline, with a caption saying what it shows.
    public mutating func figure(svg: String, caption: String) {
        // Inline SVG in HTML must not carry an XML declaration; ours has none.
        parts.append("<figure>\n\(svg)<figcaption>\(SVGBuilder.escape(caption))</figcaption>\n</figure>")
    }

    public mutating func table(header: [String], rows: [[String]]) {
        var html = "<table>\n<tr>" + header.map { "<th>\(SVGBuilder.escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(SVGBuilder.escape($0))</td>" }.joined() + "</tr>\n" }
        parts.append(html + "</table>")
    }

    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(SVGBuilder.escape(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
        figure { margin: 12px 0; } figcaption { font-size: 13px; color: #555; max-width: 900px; }
        table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
        svg { max-width: 100%; height: auto; }
        </style>
        </head>
        <body>
        <h1>\(SVGBuilder.escape(title))</h1>
        \(parts.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    /// Writes the page atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(Array(html.utf8), to: path)
    }
}
