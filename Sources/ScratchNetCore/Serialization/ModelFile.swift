import FoundationEssentials

/// A trained network in one safetensors file that rebuilds it alone.
///
/// Tensors: every parameter under its network name (`layers.0.weight`,
/// `layers.0.bias`, …) and every layer's persistent state
/// (`layers.3.running_mean`), as F32. Metadata: the ``NetworkSpec`` as JSON
/// under `scratchnet.spec` and the format version under `scratchnet.format`.
/// Any safetensors reader (Python's `safetensors.numpy.load_file`) sees
/// plain named arrays; ScratchNet reads the spec, builds the network and
/// copies the tensors in, checking every name and shape.
public enum ModelFile {
    public static let specKey = "scratchnet.spec"
    public static let formatKey = "scratchnet.format"
    public static let formatVersion = "1"

    /// The tensors a model file holds for `network`: parameters, then
    /// persistent state, each under its network-wide name.
    public static func tensors(of network: Network) -> [NamedTensor] {
        var result = network.parameters.map { NamedTensor(name: $0.name, tensor: $0.value) }
        for (index, layer) in network.layers.enumerated() {
            for state in layer.persistentState {
                result.append(NamedTensor(name: "layers.\(index).\(state.name)", tensor: state.tensor))
            }
        }
        return result
    }

    /// A writer holding `network`'s spec and tensors (checkpoints add more).
    public static func writer(for network: Network) -> SafeTensorsWriter {
        var writer = SafeTensorsWriter(metadata: [specKey: encodeSpec(network.spec), formatKey: formatVersion])
        for t in tensors(of: network) { writer.add(t.name, tensor: t.tensor) }
        return writer
    }

    /// Writes `network` to `path` atomically.
    public static func save(_ network: Network, to path: String) throws {
        try writer(for: network).write(to: path)
    }

    /// Reads `path` and builds the network it describes, with its weights.
    /// - Parameters:
    ///   - maxBatch: the largest batch the loaded network will be fed.
    ///   - optimizer: for continued training (nil for inference).
    public static func load(path: String, maxBatch: Int, backend: Backend = .fast,
                            optimizer: (any Optimizer)? = nil, arenaCapacity: Int? = nil) throws -> Network {
        try load(SafeTensors.read(path: path), maxBatch: maxBatch, backend: backend,
                 optimizer: optimizer, arenaCapacity: arenaCapacity)
    }

    /// Builds the network `file` describes and copies its tensors in; without
    /// an optimizer it is prepared for inference (``Network/prepareForInference()``).
    public static func load(_ file: SafeTensors, maxBatch: Int, backend: Backend = .fast,
                            optimizer: (any Optimizer)? = nil, arenaCapacity: Int? = nil) throws -> Network {
        let spec = try self.spec(in: file)
        let network = try Network(spec: spec, maxBatch: maxBatch, backend: backend,
                                  optimizer: optimizer, arenaCapacity: arenaCapacity)
        try restore(network, from: file)
        if optimizer == nil { network.prepareForInference() }
        return network
    }

    /// The architecture stored in `file`'s metadata, checked for sanity.
    public static func spec(in file: SafeTensors) throws -> NetworkSpec {
        try spec(in: file, allowingQuantized: false)
    }

    /// The spec, refusing an int8 file (`scratchnet quantize`) unless
    /// `allowingQuantized`: its tensors are not a float network's.
    static func spec(in file: SafeTensors, allowingQuantized: Bool) throws -> NetworkSpec {
        if !allowingQuantized, file.metadata[QuantizedModelFile.quantizationKey] != nil {
            throw SerializationError(.incompatible, path: file.path,
                                     "is an int8 model (written by `scratchnet quantize`): eval, predict and the C API run it, but it cannot be trained, resumed or loaded as float32; use the float model it was made from")
        }
        guard let version = file.metadata[formatKey] else {
            throw SerializationError(.missingMetadata, path: file.path,
                                     "no '\(formatKey)' in the metadata: not a ScratchNet model file (write one with `scratchnet train --save`)")
        }
        guard version == formatVersion else {
            throw SerializationError(.invalidMetadata, path: file.path,
                                     "model format version '\(version)' is not supported (this build reads version \(formatVersion))")
        }
        guard let json = file.metadata[specKey] else {
            throw SerializationError(.missingMetadata, path: file.path, "no '\(specKey)' in the metadata: the architecture is unknown")
        }
        let spec: NetworkSpec
        do {
            spec = try JSONDecoder().decode(NetworkSpec.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw SerializationError(.invalidMetadata, path: file.path, "'\(specKey)' is not a network spec: \(shortDescription(error))")
        }
        try checkSane(spec, path: file.path)
        return spec
    }

    /// Copies `file`'s tensors into `network`, whose spec must be the file's.
    /// Every model tensor must be present with the right shape; a `layers.*`
    /// tensor the network does not have is refused (it means another network).
    public static func restore(_ network: Network, from file: SafeTensors) throws {
        let stored = try spec(in: file)
        guard stored == network.spec else {
            throw SerializationError(.incompatible, path: file.path,
                                     "written for \(stored.summary), not for this network (\(network.spec.summary))")
        }
        let wanted = tensors(of: network)
        let names = Set(wanted.map(\.name))
        if let stray = file.tensors.first(where: { $0.name.hasPrefix("layers.") && !names.contains($0.name) }) {
            throw SerializationError(.unexpectedTensor, path: file.path,
                                     "tensor '\(stray.name)' is not part of this network (\(network.spec.summary))")
        }
        let prepared = network.isPreparedForInference
        defer { if prepared { network.prepareForInference() } }
        for t in wanted {
            try file.copy(t.name, into: t.tensor, purpose: "needed by \(network.spec.summary)")
            try requireFinite(t.tensor, name: t.name, path: file.path)
        }
    }

    /// Refuses a loaded tensor holding NaN or an infinity: such a network
    /// predicts garbage (every logit NaN picks class 0) without any error.
    static func requireFinite(_ tensor: Tensor, name: String, path: String) throws {
        for i in 0..<tensor.count where !tensor.pointer[i].isFinite {
            throw SerializationError(.invalidMetadata, path: path,
                                     "tensor '\(name)' holds \(tensor.pointer[i]) at element \(i): weights must be finite numbers")
        }
    }

    static func encodeSpec(_ spec: NetworkSpec) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a spec (enums, ints, finite floats) cannot fail.
        let data = try! encoder.encode(spec)
        return String(decoding: data, as: UTF8.self)
    }

    /// Refuses specs whose sizes would overflow or exhaust memory before the
    /// tensors are even looked at (a hostile file can say anything).
    static func checkSane(_ spec: NetworkSpec, path: String) throws {
        let limit = 1 << 28
        func fail(_ what: String) -> SerializationError {
            SerializationError(.invalidMetadata, path: path, "'\(specKey)': \(what)")
        }
        guard (1...3).contains(spec.inputShape.count), spec.inputShape.allSatisfy({ (1...limit).contains($0) }) else {
            throw fail("input shape \(spec.inputShape) must have 1 to 3 dimensions of 1...\(limit)")
        }
        guard (try? CheckedSize.product(spec.inputShape, field: "input", source: path, limit: limit)) != nil else {
            throw fail("input shape \(spec.inputShape) is absurdly large")
        }
        guard !spec.layers.isEmpty, spec.layers.count <= 10_000 else { throw fail("\(spec.layers.count) layers") }
        for (i, layer) in spec.layers.enumerated() {
            if case .affine(let outputs) = layer, !(1...limit).contains(outputs) { throw fail("layer \(i) has \(outputs) outputs") }
        }
        // Kernel, stride, padding and every layer's sizes, checked against
        // the shapes they meet (a padding of 10⁹ must not reach arithmetic).
        do {
            _ = try spec.outputShapes()
        } catch let error as NetworkShapeError {
            throw fail("layer \(error.layerIndex) (\(error.layer)): \(error.message)")
        }
        for case let .dropout(ratio) in spec.layers where !(ratio >= 0 && ratio < 1) {
            throw fail("dropout ratio \(ratio) is not in [0, 1)")
        }
        guard spec.weightDecay.isFinite, spec.weightDecay >= 0 else { throw fail("weight decay \(spec.weightDecay)") }
    }

    static func shortDescription(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key '\(key.stringValue)'\(at(context))"
        case let .typeMismatch(type, context): return "expected \(type)\(at(context))"
        case let .valueNotFound(type, context): return "missing \(type)\(at(context))"
        case let .dataCorrupted(context): return context.debugDescription + at(context)
        @unknown default: return "\(error)"
        }
    }
}

// MARK: - Tabular input statistics

extension ModelFile {
    /// Metadata key of the per-column standardization a model trained on
    /// tabular data expects its inputs to have had (JSON of
    /// ``FeatureStandardization``: `{"mean": [...], "std": [...]}`).
    public static let standardizationKey = "scratchnet.feature_standardization"

    /// The standardization stored in `file`, nil when the model was not
    /// trained on tabular data.
    /// - Throws: ``SerializationError`` when the entry is not valid
    ///   statistics for the model's input size.
    public static func standardization(in file: SafeTensors) throws -> FeatureStandardization? {
        guard let json = file.metadata[standardizationKey] else { return nil }
        let statistics: FeatureStandardization
        do {
            statistics = try JSONDecoder().decode(FeatureStandardization.self, from: Data(json.utf8))
        } catch {
            throw SerializationError(.invalidMetadata, path: file.path, "'\(standardizationKey)' is not {\"mean\": [...], \"std\": [...]}")
        }
        let inputs = try spec(in: file, allowingQuantized: true).inputShape.reduce(1, *)
        guard statistics.mean.count == statistics.std.count, statistics.mean.count == inputs,
              statistics.mean.allSatisfy(\.isFinite), statistics.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw SerializationError(.invalidMetadata, path: file.path,
                                     "'\(standardizationKey)' needs \(inputs) finite means and positive deviations")
        }
        return statistics
    }

    /// Rewrites the model file at `path` (atomically) with `statistics`
    /// stored beside its spec; the tensors are unchanged.
    public static func record(_ statistics: FeatureStandardization, inFileAt path: String) throws {
        let file = try SafeTensors.read(path: path)
        var metadata = file.metadata
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        metadata[standardizationKey] = String(decoding: try encoder.encode(statistics), as: UTF8.self)
        var writer = SafeTensorsWriter(metadata: metadata)
        for t in file.tensors { writer.add(t.name, dtype: t.dtype, shape: t.shape, bytes: Array(file.bytes[t.byteRange])) }
        try writer.write(to: path)
    }
}
