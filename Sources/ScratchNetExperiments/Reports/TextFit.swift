/// Fits chart text into a width without a font at hand: an upper-bound
/// estimate of a line's width and word wrapping on it.
///
/// The charts name DejaVu Sans first (as the page's CSS does). Its widest
/// common glyphs are the digits and lowercase letters, 0.64 em regular and
/// 0.70 em bold at most (`m`, `w` and capitals are wider but rare in layer
/// names); estimating every character at that width keeps estimated boxes
/// at or above the drawn ones.
public enum TextFit {
    public static let emPerCharacter = 0.64
    public static let emPerBoldCharacter = 0.70

    /// Estimated width of `text` at `size` px.
    public static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        Double(text.count) * size * (bold ? emPerBoldCharacter : emPerCharacter)
    }

    /// `text` broken into lines no wider than `width`: at spaces where it
    /// can, inside a word where one word is too long; at most `maxLines`,
    /// the last ending in "…" when text was left out.
    public static func wrap(_ text: String, size: Double, bold: Bool = false, width: Double, maxLines: Int) -> [String] {
        precondition(maxLines >= 1, "TextFit.wrap: maxLines must be >= 1")
        let perLine = max(1, Int(width / (size * (bold ? emPerBoldCharacter : emPerCharacter))))
        var lines: [String] = []
        var current = ""
        func push(_ word: Substring) {
            var word = String(word)
            while !word.isEmpty {
                let candidate = current.isEmpty ? word : current + " " + word
                if candidate.count <= perLine { current = candidate; return }
                if !current.isEmpty { lines.append(current); current = ""; continue }
                lines.append(String(word.prefix(perLine)))
                word = String(word.dropFirst(perLine))
            }
        }
        for word in text.split(separator: " ") { push(word) }
        if !current.isEmpty { lines.append(current) }
        guard lines.count > maxLines else { return lines }
        var kept = Array(lines.prefix(maxLines))
        let last = kept[maxLines - 1]
        kept[maxLines - 1] = String(last.prefix(max(0, perLine - 1))) + "…"
        return kept
    }
}
