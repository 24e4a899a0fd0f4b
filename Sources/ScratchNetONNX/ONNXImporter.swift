import FoundationEssentials
import ScratchNetCore

/// Reads an ONNX graph that is a chain of layers ScratchNet has into a
/// ``NetworkSpec`` and its tensors.
///
/// Accepted: the forms `torch.onnx.export` writes for `nn.Linear` (`Gemm`
/// with transB 0 or 1, or `MatMul` then `Add`), `nn.Conv2d` (`Conv`),
/// `nn.BatchNorm1d/2d` (`BatchNormalization` in inference form),
/// `nn.MaxPool2d` (`MaxPool`), `nn.Flatten` (`Flatten`, or `Reshape` to
/// (batch, features) with a constant shape), `Relu`, `Sigmoid`, `Tanh`,
/// `Identity`, `Dropout` (inference), a `Softmax` ending the graph (the
/// network's softmax head), a leading `Mul` by 1/255 or `Div` by 255 (the
/// pixel scaling ScratchNet applies itself), `Constant` nodes and
/// initializers. Anything else is refused with its operator and node, and
/// so is any attribute without an exact ScratchNet equivalent (dilations,
/// groups, ceil_mode, non-square kernels, uneven padding, Gemm's alpha).
final class ONNXImporter {
    static let supportedOpsets: ClosedRange<Int64> = 11...23
    static let layerLimit = 10_000

    let source: String
    private var constants: [String: ONNXConstant] = [:]
    private var layers: [LayerSpec] = []
    private var tensors: [String: ONNXImportedNetwork.Values] = [:]
    private var notes: [String] = []
    private var opset: Int64 = 17
    /// The value the next layer must read, and its per-sample shape.
    private var current = ""
    private var shape: [Int] = []
    private var graphInput = ""
    /// The graph input's fixed batch size, when it has one.
    private var fixedBatch: Int64?
    /// The Affine a `MatMul` made, waiting for its bias from an `Add`.
    private var pendingBias: (layer: Int, output: String, outputs: Int)?

    init(source: String) {
        self.source = source
    }

    func fail(_ kind: ONNXError.Kind, _ message: String) -> ONNXError {
        ONNXError(kind, source: source, message)
    }

    static func parse(_ bytes: [UInt8], source: String) throws -> ONNXImportedNetwork {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw ONNXError(.malformed, source: source, "not an ONNX model: the protobuf cannot be decoded (\(error))")
        }
        let importer = ONNXImporter(source: source)
        return try importer.read(model)
    }

    func read(_ model: Onnx_ModelProto) throws -> ONNXImportedNetwork {
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw fail(.malformed, "not an ONNX model: no graph with nodes (\(model.graph.node.count) nodes)")
        }
        let defaultDomain = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let version = defaultDomain.first?.version else {
            throw fail(.unsupportedGraph, "the model imports no version of the default ONNX operator set")
        }
        guard Self.supportedOpsets.contains(version) else {
            throw fail(.unsupportedGraph, "opset \(version) is not supported (\(Self.supportedOpsets.lowerBound)...\(Self.supportedOpsets.upperBound) are)")
        }
        opset = version
        let graph = model.graph
        for t in graph.initializer { constants[t.name] = ONNXConstant(proto: t) }
        try readInput(graph)
        guard graph.output.count == 1 else {
            throw fail(.unsupportedGraph, "the graph has \(graph.output.count) outputs; one (the class scores) is needed")
        }
        let outputName = graph.output[0].name
        var endedWithSoftmax = false
        for (index, node) in graph.node.enumerated() {
            guard !endedWithSoftmax else {
                throw nodeError(node, index, .unsupportedGraph, "follows the Softmax that must end the graph")
            }
            endedWithSoftmax = try readNode(node, index: index, graphOutput: outputName)
        }
        guard current == outputName else {
            throw fail(.unsupportedGraph, "the graph's output '\(outputName)' is not the end of its chain of layers ('\(current)')")
        }
        guard !layers.isEmpty else { throw fail(.unsupportedGraph, "the graph has no layer") }
        guard shape.count == 1 else {
            throw fail(.shape, "the graph ends with a \(shape.count + 1)-D tensor; a (batch, classes) matrix of class scores is needed")
        }
        let spec = NetworkSpec(inputShape: inputShapeOfGraph, layers: layers)
        return ONNXImportedNetwork(spec: spec, tensors: tensors, notes: notes, opset: Int(opset), source: source)
    }

    private var inputShapeOfGraph: [Int] = []

    private func readInput(_ graph: Onnx_GraphProto) throws {
        let inputs = graph.input.filter { constants[$0.name] == nil }
        guard inputs.count == 1 else {
            throw fail(.unsupportedGraph, "the graph has \(inputs.count) inputs besides its initializers; one is needed")
        }
        let input = inputs[0]
        guard case .tensorType(let tensor)? = input.type.value else {
            throw fail(.shape, "graph input '\(input.name)' is not a tensor")
        }
        guard tensor.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw fail(.shape, "graph input '\(input.name)' has element type \(ONNXConstant.typeName(tensor.elemType)); float32 is needed")
        }
        let dims = tensor.shape.dim
        guard tensor.hasShape, (2...4).contains(dims.count) else {
            throw fail(.shape, "graph input '\(input.name)' has \(tensor.hasShape ? "\(dims.count)" : "no") dimensions; (batch, features) or (batch, channels, height, width) is needed")
        }
        if case .dimValue(let b)? = dims[0].value { fixedBatch = b }
        var sample: [Int] = []
        for d in dims.dropFirst() {
            guard case .dimValue(let v)? = d.value, v >= 1, v <= Int64(LayerSpec.elementLimit) else {
                throw fail(.shape, "graph input '\(input.name)' needs fixed sizes after the batch dimension, got \(Self.describe(dims))")
            }
            sample.append(Int(v))
        }
        guard (try? CheckedSize.product(sample, field: "input", source: source, limit: LayerSpec.elementLimit)) != nil else {
            throw fail(.shape, "graph input '\(input.name)' of shape \(sample) is too large")
        }
        graphInput = input.name
        current = input.name
        shape = sample
        inputShapeOfGraph = sample
    }

    static func describe(_ dims: [Onnx_TensorShapeProto.Dimension]) -> String {
        "[" + dims.map { d -> String in
            switch d.value {
            case .dimValue(let v)?: return "\(v)"
            case .dimParam(let p)?: return p.isEmpty ? "?" : p
            case nil: return "?"
            }
        }.joined(separator: ", ") + "]"
    }

    // MARK: Nodes

    func nodeError(_ node: Onnx_NodeProto, _ index: Int, _ kind: ONNXError.Kind, _ message: String) -> ONNXError {
        ONNXError(kind, source: source, node: node.name.isEmpty ? "#\(index)" : node.name, op: node.opType, message)
    }

    /// Reads one node; returns true when it is the Softmax ending the graph.
    private func readNode(_ node: Onnx_NodeProto, index: Int, graphOutput: String) throws -> Bool {
        func error(_ kind: ONNXError.Kind, _ message: String) -> ONNXError { nodeError(node, index, kind, message) }
        let op = node.opType
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw error(.unsupportedOperator, "operator '\(op)' of domain '\(node.domain)' is not supported")
        }
        if op == "Constant" {
            try readConstant(node, error)
            return false
        }
        var attributes: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute { attributes[a.name] = a }
        func allow(_ names: Set<String>) throws {
            if let stray = node.attribute.first(where: { !names.contains($0.name) }) {
                throw error(.unsupportedAttribute, "attribute '\(stray.name)' is not supported")
            }
        }
        func int(_ name: String, default value: Int64) -> Int64 { attributes[name].map { $0.i } ?? value }
        func ints(_ name: String) -> [Int64]? { attributes[name].map { $0.ints } }
        func string(_ name: String) -> String? { attributes[name].map { String(decoding: $0.s, as: UTF8.self) } }
        func float(_ name: String, default value: Float) -> Float { attributes[name].map { $0.f } ?? value }
        /// The constant at input `i`, or an error naming it.
        func constant(_ i: Int, _ what: String) throws -> ONNXConstant {
            guard i < node.input.count, !node.input[i].isEmpty else { throw error(.unsupportedGraph, "has no \(what) input") }
            guard let c = constants[node.input[i]] else {
                throw error(.unsupportedGraph, "\(what) '\(node.input[i])' is not a constant (initializer or Constant node)")
            }
            return c
        }
        func optionalConstant(_ i: Int, _ what: String) throws -> ONNXConstant? {
            guard i < node.input.count, !node.input[i].isEmpty else { return nil }
            return try constant(i, what)
        }
        func floats(_ c: ONNXConstant) throws -> (values: [Float], shape: [Int]) {
            try c.floats { error(.shape, $0) }
        }
        // Every node but the scaling reads the previous layer's output first.
        func requireChainInput() throws {
            guard let first = node.input.first, first == current else {
                throw error(.unsupportedGraph, "reads '\(node.input.first ?? "")', not the previous layer's output '\(current)': only a chain of layers is supported")
            }
        }
        guard node.output.count >= 1, !node.output[0].isEmpty else { throw error(.malformed, "has no output") }
        if node.output.dropFirst().contains(where: { !$0.isEmpty }) {
            throw error(.unsupportedAttribute, "has \(node.output.count) outputs; only the first (inference) output is supported")
        }
        let output = node.output[0]
        if op != "Add" { pendingBias = nil }

        /// Appends `layer` after checking it against the current shape.
        func append(_ layer: LayerSpec, tensors new: [String: ONNXImportedNetwork.Values] = [:]) throws {
            guard layers.count < Self.layerLimit else { throw error(.unsupportedGraph, "more than \(Self.layerLimit) layers") }
            do {
                shape = try layer.outputShape(for: shape, index: layers.count)
            } catch let e as NetworkShapeError {
                throw error(.shape, e.message)
            }
            for (name, value) in new { tensors["layers.\(layers.count).\(name)"] = value }
            layers.append(layer)
            current = output
        }

        switch op {
        case "Relu", "Sigmoid", "Tanh":
            try allow([])
            try requireChainInput()
            try append(op == "Relu" ? .relu : op == "Sigmoid" ? .sigmoid : .tanh)

        case "Identity":
            try allow([])
            try requireChainInput()
            current = output

        case "Dropout":
            try requireChainInput()
            var ratio: Float = 0.5
            if opset < 12 {
                try allow(["ratio", "seed", "is_test"])
                ratio = float("ratio", default: 0.5)
            } else {
                try allow(["seed"])
                if let r = try optionalConstant(1, "ratio") {
                    let v = try floats(r)
                    guard v.values.count == 1 else { throw error(.shape, "ratio is not one number") }
                    ratio = v.values[0]
                }
                if let t = try optionalConstant(2, "training_mode"), try t.bool({ error(.shape, $0) }) {
                    throw error(.unsupportedAttribute, "training_mode is true; only inference Dropout is supported")
                }
            }
            guard ratio >= 0, ratio < 1 else { throw error(.unsupportedAttribute, "ratio \(ratio) is not in [0, 1)") }
            try append(.dropout(ratio: ratio))

        case "Flatten":
            try allow(["axis"])
            try requireChainInput()
            let axis = int("axis", default: 1)
            guard axis == 1 || (axis == -Int64(shape.count) && shape.count > 0) else {
                throw error(.unsupportedAttribute, "axis \(axis) is not supported (only 1: keep the batch, flatten the rest)")
            }
            try append(.flatten)

        case "Reshape":
            try allow(["allowzero"])
            try requireChainInput()
            guard int("allowzero", default: 0) == 0 else { throw error(.unsupportedAttribute, "allowzero 1 is not supported") }
            let target = try constant(1, "shape").int64s { error(.shape, $0) }
            let features = Int64(shape.reduce(1, *))
            let batchOK: (Int64) -> Bool = { $0 == 0 || $0 == -1 || $0 == self.fixedBatch }
            guard target.count == 2, batchOK(target[0]), target[1] == features || (target[1] == -1 && target[0] != -1) else {
                throw error(.unsupportedAttribute, "reshape to \(target) is not supported (only to (batch, \(features)), a flatten)")
            }
            try append(.flatten)

        case "Gemm":
            try allow(["alpha", "beta", "transA", "transB"])
            try requireChainInput()
            guard int("transA", default: 0) == 0 else { throw error(.unsupportedAttribute, "transA 1 is not supported") }
            let alpha = float("alpha", default: 1)
            guard alpha == 1 else { throw error(.unsupportedAttribute, "alpha \(alpha) is not supported (only 1)") }
            let transB = int("transB", default: 0)
            guard transB == 0 || transB == 1 else { throw error(.unsupportedAttribute, "transB \(transB)") }
            let b = try floats(try constant(1, "B"))
            let c = try optionalConstant(2, "C").map(floats)
            if c != nil {
                let beta = float("beta", default: 1)
                guard beta == 1 else { throw error(.unsupportedAttribute, "beta \(beta) is not supported (only 1)") }
            }
            try appendAffine(weight: b, transposed: transB == 1, bias: c, error)
            current = output

        case "MatMul":
            try allow([])
            try requireChainInput()
            let b = try floats(try constant(1, "B"))
            try appendAffine(weight: b, transposed: false, bias: nil, error)
            current = output
            if case .affine(let outputs) = layers.last! { pendingBias = (layers.count - 1, output, outputs) }

        case "Add":
            try allow([])
            guard let pending = pendingBias, node.input.count == 2, node.input.contains(pending.output) else {
                throw error(.unsupportedOperator, "Add is supported only as the bias right after a MatMul (nn.Linear)")
            }
            let other = node.input[0] == pending.output ? 1 : 0
            let bias = try floats(try constant(other, "bias"))
            guard bias.values.count == pending.outputs, bias.shape == [pending.outputs] || bias.shape == [1, pending.outputs] else {
                throw error(.shape, "bias of shape \(bias.shape) does not fit \(pending.outputs) outputs")
            }
            tensors["layers.\(pending.layer).bias"] = .init(values: bias.values, shape: [pending.outputs])
            pendingBias = nil
            current = output

        case "Conv":
            try allow(["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"])
            try requireChainInput()
            guard shape.count == 3 else { throw error(.shape, "needs an image input (channels, height, width), got \(shape)") }
            let w = try floats(try constant(1, "W"))
            guard w.shape.count == 4, w.shape[2] == w.shape[3], w.shape[0] > 0, w.shape[2] > 0 else {
                throw error(w.shape.count == 4 ? .unsupportedAttribute : .shape,
                            "weight of shape \(w.shape) is not (filters, channels, k, k) with a square kernel")
            }
            guard w.shape[1] == shape[0] else {
                throw error(.shape, "weight of shape \(w.shape) expects \(w.shape[1]) input channels, the input has \(shape[0])")
            }
            let k = w.shape[2]
            guard int("group", default: 1) == 1 else { throw error(.unsupportedAttribute, "group \(int("group", default: 1)) is not supported (only 1)") }
            let geometry = try windowGeometry(kernel: k, ints: ints, string: string, error)
            let bias = try optionalConstant(2, "B").map(floats)
            if let bias, bias.shape != [w.shape[0]] {
                throw error(.shape, "bias of shape \(bias.shape) does not fit \(w.shape[0]) filters")
            }
            try append(.conv2d(filters: w.shape[0], kernel: k, stride: geometry.stride, padding: geometry.padding), tensors: [
                "weight": .init(values: w.values, shape: w.shape),
                "bias": .init(values: bias?.values ?? [Float](repeating: 0, count: w.shape[0]), shape: [w.shape[0]]),
            ])

        case "MaxPool":
            try allow(["kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad", "storage_order"])
            try requireChainInput()
            guard shape.count == 3 else { throw error(.shape, "needs an image input (channels, height, width), got \(shape)") }
            guard let kernel = ints("kernel_shape"), kernel.count == 2, kernel[0] == kernel[1], kernel[0] > 0, kernel[0] < 1 << 20 else {
                throw error(.unsupportedAttribute, "kernel_shape \(ints("kernel_shape") ?? []) is not supported (a square k×k is)")
            }
            guard int("ceil_mode", default: 0) == 0 else { throw error(.unsupportedAttribute, "ceil_mode 1 is not supported (only floor)") }
            let geometry = try windowGeometry(kernel: Int(kernel[0]), ints: ints, string: string, error)
            try append(.maxPool(size: Int(kernel[0]), stride: geometry.stride, padding: geometry.padding))

        case "BatchNormalization":
            try allow(["epsilon", "momentum", "training_mode", "spatial"])
            try requireChainInput()
            guard int("training_mode", default: 0) == 0 else { throw error(.unsupportedAttribute, "training_mode 1 is not supported") }
            guard int("spatial", default: 1) == 1 else { throw error(.unsupportedAttribute, "spatial 0 is not supported") }
            guard shape.count == 1 || shape.count == 3 else { throw error(.shape, "needs (features) or (channels, height, width), got \(shape)") }
            let channels = shape[0]
            var values: [[Float]] = []
            for (i, what) in ["scale", "B", "mean", "var"].enumerated() {
                let v = try floats(try constant(i + 1, what))
                guard v.shape == [channels] else { throw error(.shape, "\(what) of shape \(v.shape) does not fit \(channels) channels") }
                values.append(v.values)
            }
            let epsilon = float("epsilon", default: 1e-5)
            guard epsilon.isFinite, epsilon >= 0 else { throw error(.unsupportedAttribute, "epsilon \(epsilon)") }
            var variance = values[3]
            if epsilon != BatchNorm.defaultEpsilon {
                // ScratchNet's epsilon is fixed: var + ε_onnx = (var + ε_onnx − ε) + ε.
                let shift = Double(epsilon) - Double(BatchNorm.defaultEpsilon)
                for c in variance.indices {
                    let total = Double(variance[c]) + Double(epsilon)
                    guard total > 0 else { throw error(.shape, "var[\(c)] + epsilon = \(total) is not positive") }
                    variance[c] = Float(Double(variance[c]) + shift)
                }
                notes.append("BatchNormalization '\(node.name)': epsilon \(epsilon) folded into running_var (ScratchNet's epsilon is \(BatchNorm.defaultEpsilon))")
            }
            try append(.batchNorm, tensors: [
                "gamma": .init(values: values[0], shape: [channels]),
                "beta": .init(values: values[1], shape: [channels]),
                "running_mean": .init(values: values[2], shape: [channels]),
                "running_var": .init(values: variance, shape: [channels]),
            ])

        case "Softmax":
            try allow(["axis"])
            try requireChainInput()
            let axis = int("axis", default: opset >= 13 ? -1 : 1)
            guard shape.count == 1, axis == -1 || axis == 1 else {
                throw error(.unsupportedAttribute, "Softmax over axis \(axis) of a \(shape.count + 1)-D tensor is not supported (only over the classes of a (batch, classes) matrix)")
            }
            guard output == graphOutput else {
                throw error(.unsupportedOperator, "Softmax is supported only at the end of the graph (it is the network's softmax head)")
            }
            notes.append("Softmax '\(node.name)' at the end is the network's softmax head: `predict` gives probabilities, the network's forward gives logits")
            current = output
            return true

        case "Mul", "Div":
            try allow([])
            guard layers.isEmpty, current == graphInput, node.input.count == 2, node.input[0] == current,
                  let c = constants[node.input[1]] else {
                throw error(.unsupportedOperator, "\(op) is supported only as the input's scaling by 1/255 before the first layer")
            }
            let v = try floats(c)
            let expected: Float = op == "Mul" ? LabeledImages.pixelScale : 255
            guard v.values == [expected] else {
                throw error(.unsupportedAttribute, "\(op) by \(v.values.count == 1 ? "\(v.values[0])" : "a tensor of shape \(v.shape)") is not supported (only the input's scaling: Mul by 1/255 or Div by 255)")
            }
            notes.append("the graph's input scaling (\(op) by \(expected)) is left out: ScratchNet feeds pixels already divided by 255")
            current = output

        default:
            throw error(.unsupportedOperator, "operator '\(op)' is not supported")
        }
        return false
    }

    private func readConstant(_ node: Onnx_NodeProto, _ error: (ONNXError.Kind, String) -> ONNXError) throws {
        guard node.output.count == 1, node.attribute.count == 1 else {
            throw error(.malformed, "a Constant needs one output and one value attribute")
        }
        let a = node.attribute[0]
        var t: Onnx_TensorProto
        switch a.name {
        case "value":
            t = a.t
        case "value_float":
            t = .floats(node.output[0], [a.f], shape: [])
        case "value_floats":
            t = .floats(node.output[0], a.floats, shape: [a.floats.count])
        case "value_int", "value_ints":
            t = Onnx_TensorProto()
            t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            t.int64Data = a.name == "value_int" ? [a.i] : a.ints
            t.dims = a.name == "value_int" ? [] : [Int64(a.ints.count)]
        default:
            throw error(.unsupportedAttribute, "Constant attribute '\(a.name)' is not supported")
        }
        t.name = node.output[0]
        constants[node.output[0]] = ONNXConstant(proto: t)
    }

    /// Stride and padding from ONNX's per-axis lists, refused unless both
    /// axes agree, the padding is even on every side and dilations are 1.
    private func windowGeometry(kernel: Int, ints: (String) -> [Int64]?, string: (String) -> String?,
                                _ error: (ONNXError.Kind, String) -> ONNXError) throws -> (stride: Int, padding: Int) {
        if let shape = ints("kernel_shape"), shape != [Int64(kernel), Int64(kernel)] {
            throw error(.unsupportedAttribute, "kernel_shape \(shape) does not match the \(kernel)×\(kernel) kernel")
        }
        if let dilations = ints("dilations"), !dilations.allSatisfy({ $0 == 1 }) {
            throw error(.unsupportedAttribute, "dilations \(dilations) are not supported (only 1)")
        }
        let strides = ints("strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] >= 1, strides[0] < 1 << 20 else {
            throw error(.unsupportedAttribute, "strides \(strides) are not supported (equal strides on both axes are)")
        }
        let pads = ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 == pads[0] }), pads[0] >= 0, pads[0] < 1 << 20 else {
            throw error(.unsupportedAttribute, "pads \(pads) are not supported (the same padding on every side is)")
        }
        let autoPad = string("auto_pad") ?? "NOTSET"
        guard autoPad == "NOTSET" || (autoPad == "VALID" && pads[0] == 0) else {
            throw error(.unsupportedAttribute, "auto_pad \(autoPad) is not supported (give explicit pads)")
        }
        return (Int(strides[0]), Int(pads[0]))
    }

    /// An Affine from a (in, out) weight, or (out, in) when `transposed`.
    private func appendAffine(weight: (values: [Float], shape: [Int]), transposed: Bool,
                                       bias: (values: [Float], shape: [Int])?,
                                       _ error: (ONNXError.Kind, String) -> ONNXError) throws {
        guard shape.count == 1 else {
            throw error(.shape, "needs a (batch, features) input, got (batch, \(shape.map(String.init).joined(separator: ", "))): flatten it first")
        }
        guard weight.shape.count == 2 else { throw error(.shape, "weight of shape \(weight.shape) is not a matrix") }
        let (rows, cols) = (weight.shape[0], weight.shape[1])
        let (inputs, outputs) = transposed ? (cols, rows) : (rows, cols)
        guard inputs == shape[0], outputs > 0 else {
            throw error(.shape, "weight of shape \(weight.shape)\(transposed ? " (transposed)" : "") does not take \(shape[0]) features")
        }
        var w = weight.values
        if transposed {
            for i in 0..<inputs { for o in 0..<outputs { w[i * outputs + o] = weight.values[o * inputs + i] } }
        }
        if let bias, bias.values.count != outputs || !(bias.shape == [outputs] || bias.shape == [1, outputs]) {
            throw error(.shape, "bias of shape \(bias.shape) does not fit \(outputs) outputs")
        }
        guard layers.count < Self.layerLimit else { throw error(.unsupportedGraph, "more than \(Self.layerLimit) layers") }
        let index = layers.count
        let layer = LayerSpec.affine(outputs: outputs)
        do { shape = try layer.outputShape(for: shape, index: index) } catch let e as NetworkShapeError { throw error(.shape, e.message) }
        tensors["layers.\(index).weight"] = .init(values: w, shape: [inputs, outputs])
        tensors["layers.\(index).bias"] = .init(values: bias?.values ?? [Float](repeating: 0, count: outputs), shape: [outputs])
        layers.append(layer)
    }
}
