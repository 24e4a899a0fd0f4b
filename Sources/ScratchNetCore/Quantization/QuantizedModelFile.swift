import FoundationEssentials

/// An int8 model in one safetensors file.
///
/// Metadata: the float network's spec (`scratchnet.spec`), the format
/// version (`scratchnet.format`), `scratchnet.quantization` = "int8" (what
/// marks the file as quantized) and how it was calibrated. Tensors:
/// - `input.scale` F32 [1], `input.zero_point` I32 [1];
/// - per product layer i: `layers.i.weight` I8 (outputs, inputs…) — an
///   affine's as (outputs, inputs), PyTorch's order; a conv's (FN, C, FH, FW) —
///   `layers.i.weight_scale` F32 (outputs), `layers.i.bias` I32 (outputs);
/// - per uint8 activation after layer i: `layers.i.output_scale` F32 [1],
///   `layers.i.output_zero_point` I32 [1].
public enum QuantizedModelFile {
    public static let quantizationKey = "scratchnet.quantization"
    public static let calibrationKey = "scratchnet.calibration"
    public static let scheme = "int8"

    /// Whether `file` holds an int8 model (rather than a float one).
    public static func isQuantized(_ file: SafeTensors) -> Bool {
        file.metadata[quantizationKey] != nil
    }

    /// Writes `model` to `path` atomically. `carrying` names metadata of the
    /// float model file to keep (class names, the feature standardization),
    /// so that `eval` and `predict` read the int8 file as they read the float one.
    public static func save(_ model: QuantizedModel, to path: String, carrying kept: [String: String] = [:]) throws {
        var writer = SafeTensorsWriter(metadata: kept.merging([
            ModelFile.specKey: ModelFile.encodeSpec(model.spec), ModelFile.formatKey: ModelFile.formatVersion,
            quantizationKey: scheme, calibrationKey: model.calibration,
        ]) { _, own in own })
        writer.add("input.scale", floats: [model.input.scale], shape: [1])
        writer.add("input.zero_point", int32s: [model.input.zeroPoint])
        for index in model.layers.keys.sorted() {
            let layer = model.layers[index]!
            var shape = [layer.outputs, layer.inputs]
            if case let .conv2d(_, kernel, _, _) = model.spec.layers[index] {
                shape = [layer.outputs, layer.inputs / (kernel * kernel), kernel, kernel]
            }
            writer.add("layers.\(index).weight", dtype: .I8, shape: shape, bytes: layer.weights.map { UInt8(bitPattern: $0) })
            writer.add("layers.\(index).weight_scale", floats: layer.weightScales, shape: [layer.outputs])
            writer.add("layers.\(index).bias", int32s: layer.bias)
        }
        for index in model.activations.keys.sorted() {
            let a = model.activations[index]!
            writer.add("layers.\(index).output_scale", floats: [a.scale], shape: [1])
            writer.add("layers.\(index).output_zero_point", int32s: [a.zeroPoint])
        }
        try writer.write(to: path)
    }

    public static func load(path: String) throws -> QuantizedModel {
        try load(SafeTensors.read(path: path))
    }

    /// The int8 model in `file`, every tensor checked (dtype, shape, range).
    public static func load(_ file: SafeTensors) throws -> QuantizedModel {
        let path = file.path
        guard let scheme = file.metadata[quantizationKey] else {
            throw SerializationError(.incompatible, path: path,
                                     "is a float32 model, not an int8 one; make one with `scratchnet quantize --model \(path) --output <file>`")
        }
        guard scheme == Self.scheme else {
            throw SerializationError(.invalidMetadata, path: path, "quantization scheme '\(scheme)' is not supported (this build reads '\(Self.scheme)')")
        }
        let spec = try ModelFile.spec(in: file, allowingQuantized: true)
        let plan: QuantizationPlan
        do { plan = try QuantizationPlan(spec: spec) } catch let error as QuantizationError {
            throw SerializationError(.invalidMetadata, path: path, error.message)
        }
        func fail(_ message: String) -> SerializationError { SerializationError(.invalidMetadata, path: path, message) }
        func parameters(_ prefix: String, scaleName: String, zeroName: String) throws -> QuantizationParameters {
            let s = try file.floats(try file.require("\(prefix).\(scaleName)", dtype: .F32, shape: [1]).name)[0]
            let z = try file.int32s(try file.require("\(prefix).\(zeroName)", dtype: .I32, shape: [1]).name)[0]
            guard s.isFinite, s > 0 else { throw fail("'\(prefix).\(scaleName)' is \(s): scales must be positive finite numbers") }
            guard (0...255).contains(z) else { throw fail("'\(prefix).\(zeroName)' is \(z): zero points must be in 0...255") }
            return QuantizationParameters(scale: s, zeroPoint: z)
        }
        let input = try parameters("input", scaleName: "scale", zeroName: "zero_point")
        var layers: [Int: QuantizedModel.Layer] = [:]
        var activations: [Int: QuantizationParameters] = [:]
        let probe = try QuantizedModel(spec: spec, input: input, layers: [:], activations: [:], calibration: "")
        for (s, step) in plan.steps.enumerated() {
            switch step {
            case let .product(index, _, output):
                let (outputs, inputs) = probe.productSize(of: index)
                var shape = [outputs, inputs]
                if case let .conv2d(_, kernel, _, _) = spec.layers[index] { shape = [outputs, inputs / (kernel * kernel), kernel, kernel] }
                let w = try file.require("layers.\(index).weight", dtype: .I8, shape: shape, purpose: "needed by \(spec.summary)")
                let weights = file.bytes[w.byteRange].map { Int8(bitPattern: $0) }
                if let bad = weights.firstIndex(of: -128) {
                    throw fail("tensor 'layers.\(index).weight' holds -128 at element \(bad): int8 weights must be in -127...127")
                }
                let scales = try file.floats(try file.require("layers.\(index).weight_scale", dtype: .F32, shape: [outputs]).name)
                if let bad = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                    throw fail("tensor 'layers.\(index).weight_scale' holds \(scales[bad]) at element \(bad): scales must be positive finite numbers")
                }
                let bias = try file.int32s(try file.require("layers.\(index).bias", dtype: .I32, shape: [outputs]).name)
                if let bad = bias.firstIndex(where: { abs(Int64($0)) > Int64(QuantizedModel.biasLimit) }) {
                    throw fail("tensor 'layers.\(index).bias' holds \(bias[bad]) at element \(bad): int8 biases must be within ±\(QuantizedModel.biasLimit)")
                }
                layers[index] = QuantizedModel.Layer(outputs: outputs, inputs: inputs, weights: weights,
                                                     weightScales: scales, bias: bias)
                if s < plan.steps.count - 1 {
                    activations[output] = try parameters("layers.\(output)", scaleName: "output_scale", zeroName: "output_zero_point")
                }
            case .maxPool:
                break
            case let .table(index):
                activations[index] = try parameters("layers.\(index)", scaleName: "output_scale", zeroName: "output_zero_point")
            }
        }
        return try QuantizedModel(spec: spec, input: input, layers: layers, activations: activations,
                                  calibration: file.metadata[calibrationKey] ?? "")
    }
}
