import ScratchNetCore

/// Training options as a JSON file: what `scratchnet search` writes as its
/// best configuration and `scratchnet train --config FILE` reads.
///
/// Every field is optional: a file sets what it names and leaves the rest
/// to the command line's defaults. Keys are snake_case, like the
/// `--metrics-json` summary. An unknown key is refused with the closest
/// known one suggested: a misspelled key must not silently leave its
/// setting at the default.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var model: String?
    public var hidden: [Int]?
    public var activation: String?
    /// BatchNorm after each hidden affine layer (two-layer, mlp).
    public var batchNorm: Bool?
    /// Dropout ratio after each hidden activation (two-layer, mlp).
    public var dropout: Double?
    public var initializer: String?
    public var optimizer: String?
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Double?
    public var weightDecay: Double?
    public var seed: UInt64?
    /// Training images scored for the per-epoch train accuracy (`--train-accuracy-samples`).
    public var trainAccuracySamples: Int?
    /// A model file whose weights training starts from (`--init-from`).
    public var initFrom: String?
    /// How the values were found (informational; `train` ignores it).
    public var search: SearchRecord?

    /// Where a configuration came from.
    public struct SearchRecord: Codable, Equatable, Sendable {
        public var validationAccuracy: Double
        public var validationFraction: Double
        public var trials: Int
        public var rounds: Int
        public var space: String

        public init(validationAccuracy: Double, validationFraction: Double, trials: Int, rounds: Int, space: String) {
            self.validationAccuracy = validationAccuracy
            self.validationFraction = validationFraction
            self.trials = trials
            self.rounds = rounds
            self.space = space
        }

        enum CodingKeys: String, CodingKey {
            case validationAccuracy = "validation_accuracy"
            case validationFraction = "validation_fraction"
            case trials, rounds
            case space = "first_round_space"
        }
    }

    public init(model: String? = nil, hidden: [Int]? = nil, activation: String? = nil, batchNorm: Bool? = nil,
                dropout: Double? = nil, initializer: String? = nil,
                optimizer: String? = nil, epochs: Int? = nil, batchSize: Int? = nil, learningRate: Double? = nil,
                weightDecay: Double? = nil, seed: UInt64? = nil, search: SearchRecord? = nil,
                trainAccuracySamples: Int? = nil) {
        self.model = model
        self.hidden = hidden
        self.activation = activation
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.initializer = initializer
        self.optimizer = optimizer
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
        self.search = search
        self.trainAccuracySamples = trainAccuracySamples
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, hidden, activation, dropout, initializer, optimizer, epochs, seed, search
        case batchNorm = "batch_norm"
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case weightDecay = "weight_decay"
        case trainAccuracySamples = "train_accuracy_samples"
        case initFrom = "init_from"
    }
}

import Foundation

extension TrainingConfiguration {
    /// Pretty, key-sorted JSON with a trailing newline.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(self)) + [10]
    }

    /// Writes the file atomically (a crash leaves the old file or the new one).
    public func write(to path: String) throws {
        try AtomicFile.write(jsonBytes(), to: path)
    }

    /// Reads a configuration file; errors name the file.
    public static func read(path: String) throws -> TrainingConfiguration {
        let bytes = try AtomicFile.read(path, limit: .config)
        do {
            let configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(bytes))
            if let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
               let reason = unknownKeyReason(Array(object.keys)) {
                throw DataError.unreadable(path: path, reason: reason)
            }
            return configuration
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError.unreadable(path: path, reason: "not a training configuration (JSON): \(error)")
        }
    }
}

extension TrainingConfiguration {
    /// The keys a configuration file may hold.
    public static var knownKeys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Why `keys` are refused: the first unknown one (in sorted order) and
    /// the known key nearest to it; nil when every key is known.
    static func unknownKeyReason(_ keys: [String]) -> String? {
        let known = knownKeys
        guard let unknown = keys.sorted().first(where: { !known.contains($0) }) else { return nil }
        let closest = known.min { editDistance(unknown, $0) < editDistance(unknown, $1) }!
        return "unknown key '\(unknown)' (did you mean '\(closest)'?)"
    }

    /// Levenshtein distance: single-character insertions, deletions and
    /// substitutions that turn `a` into `b`.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices.map({ $0 + 1 }) {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
