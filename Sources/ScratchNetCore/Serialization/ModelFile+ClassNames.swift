import FoundationEssentials

/// Class names in a model file, so that a model alone predicts words:
/// metadata key `scratchnet.classes`, a JSON array of strings, one per
/// output class in label order. Optional: a file without it predicts
/// class numbers.
extension ModelFile {
    public static let classNamesKey = "scratchnet.classes"
    /// The longest name kept (a name is a label, not a document).
    public static let maximumClassNameLength = 200

    /// Writes `network` to `path` atomically, with `classNames` (one per
    /// class) in the metadata when given.
    public static func save(_ network: Network, to path: String, classNames: [String]?) throws {
        var writer = writer(for: network)
        if let classNames {
            try checkClassNames(classNames, classes: network.classes, path: path)
            writer.metadata[classNamesKey] = encodeClassNames(classNames)
        }
        try writer.write(to: path)
    }

    /// The class names stored in `file`, nil when it has none; a list that
    /// is not one string per class of a `classes`-way model is refused.
    public static func classNames(in file: SafeTensors, classes: Int) throws -> [String]? {
        guard let names = try storedClassNames(in: file) else { return nil }
        try checkClassNames(names, classes: classes, path: file.path)
        return names
    }

    /// The class names stored in `file` as they are (nil when it has none),
    /// for mapping named labels before the model is built.
    public static func storedClassNames(in file: SafeTensors) throws -> [String]? {
        guard let json = file.metadata[classNamesKey] else { return nil }
        guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
            throw SerializationError(.invalidMetadata, path: file.path, "'\(classNamesKey)' is not a JSON array of strings")
        }
        return names
    }

    static func checkClassNames(_ names: [String], classes: Int, path: String) throws {
        guard names.count == classes else {
            throw SerializationError(.invalidMetadata, path: path,
                                     "'\(classNamesKey)' names \(names.count) classes, the model has \(classes)")
        }
        if let bad = names.firstIndex(where: { $0.isEmpty || $0.count > maximumClassNameLength || $0.contains("\n") }) {
            throw SerializationError(.invalidMetadata, path: path,
                                     "'\(classNamesKey)': class \(bad)'s name must be one line of 1 to \(maximumClassNameLength) characters")
        }
    }

    static func encodeClassNames(_ names: [String]) -> String {
        // Encoding an array of strings cannot fail.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(names), as: UTF8.self)
    }
}
