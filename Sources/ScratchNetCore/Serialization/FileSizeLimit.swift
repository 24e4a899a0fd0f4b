/// The largest file of each kind the library reads, checked with `fstat`
/// before the first byte is read (and again while reading, for files that
/// grow), so that a wrong path or a hostile file is a one-line error
/// instead of exhausting memory.
///
/// The limits are generous for what each kind holds here: the largest data
/// set this project trains on (Fashion-MNIST's training images) is 47 MB
/// uncompressed, a model or checkpoint of the presets is a few MB, a
/// configuration file a few hundred bytes.
public struct FileSizeLimit: Sendable, Equatable {
    /// What the file is, as the message says it ("a model file").
    public let kind: String
    public let bytes: Int

    public init(kind: String, bytes: Int) {
        self.kind = kind
        self.bytes = bytes
    }

    /// IDX and CSV data files, compressed or not; also the most a gzipped
    /// data file may inflate to.
    public static let data = FileSizeLimit(kind: "a data file", bytes: 1_000_000_000)
    /// Model and checkpoint files (safetensors).
    public static let model = FileSizeLimit(kind: "a model file", bytes: 2_000_000_000)
    /// Training configurations (JSON).
    public static let config = FileSizeLimit(kind: "a configuration file", bytes: 10_000_000)
    /// Images given to `predict` (PNG, PGM, IDX).
    public static let image = FileSizeLimit(kind: "an image file", bytes: 100_000_000)
    /// Any other file read whole (downloads being verified, test outputs).
    public static let file = FileSizeLimit(kind: "a file", bytes: 4_000_000_000)

    /// "3.2 GB", "512 kB", "17 bytes": decimal units, one decimal when useful.
    public static func format(bytes: Int) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (size, name) in units where Double(bytes) >= size {
            let value = Double(bytes) / size
            let rounded = (value * 10).rounded() / 10
            let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
            return "\(text) \(name)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
