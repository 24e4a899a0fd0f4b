import FoundationEssentials
import ScratchNetCore

/// Writes a ``Network`` as an ONNX graph (opset 17), one node per layer.
///
/// Mapping: Affine → `Gemm` with B the (in, out) weight as ScratchNet stores
/// it (no transpose; a `Flatten` first when the input is an image), ReLU /
/// Sigmoid / Tanh → `Relu` / `Sigmoid` / `Tanh`, BatchNorm →
/// `BatchNormalization` in inference form (running statistics, ScratchNet's
/// epsilon), Dropout → `Identity` (inference), Conv2D → `Conv`, MaxPool →
/// `MaxPool` (floor sizes, padding never wins: both ONNX's rules), Flatten
/// → `Flatten`. Initializers keep the model file's tensor names.
enum ONNXExporter {
    static let opset: Int64 = 17
    /// IR version 8 is the one opset 17 belongs to.
    static let irVersion: Int64 = 8
    static let inputName = "input"

    static func model(for network: Network, options: ONNXExportOptions) -> Onnx_ModelProto {
        let spec = network.spec
        var tensors: [String: Tensor] = [:]
        for t in ModelFile.tensors(of: network) { tensors[t.name] = t.tensor }
        // The network was built from this spec, so its shapes are known good.
        let shapes = (try? spec.outputShapes()) ?? []

        var graph = Onnx_GraphProto()
        graph.name = spec.preset ?? "scratchnet"
        graph.input = [.batchedFloats(inputName, sample: spec.inputShape)]
        var current = inputName
        var shape = spec.inputShape

        func initializer(_ name: String) -> String {
            let t = tensors[name]!
            graph.initializer.append(.floats(name, t.toArray(), shape: t.shape.dims))
            return name
        }

        if options.inputScaling == .bytes {
            let scale = "input_scale"
            graph.initializer.append(.floats(scale, [LabeledImages.pixelScale], shape: []))
            graph.node.append(Onnx_NodeProto("Mul", name: "input.scale", inputs: [current, scale], outputs: ["input.scaled"]))
            current = "input.scaled"
        }

        for (index, layer) in spec.layers.enumerated() {
            let name = "layers.\(index)"
            let output = "\(name).output"
            func node(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) {
                graph.node.append(Onnx_NodeProto(op, name: name, inputs: inputs, outputs: [output], attributes: attributes))
            }
            switch layer {
            case .affine:
                if shape.count > 1 {
                    let flat = "\(name).flattened"
                    graph.node.append(Onnx_NodeProto("Flatten", name: "\(name).flatten", inputs: [current], outputs: [flat],
                                                     attributes: [.int("axis", 1)]))
                    current = flat
                }
                node("Gemm", [current, initializer("\(name).weight"), initializer("\(name).bias")])
            case .relu: node("Relu", [current])
            case .sigmoid: node("Sigmoid", [current])
            case .tanh: node("Tanh", [current])
            case .dropout: node("Identity", [current])
            case .batchNorm:
                node("BatchNormalization",
                     [current, initializer("\(name).gamma"), initializer("\(name).beta"),
                      initializer("\(name).running_mean"), initializer("\(name).running_var")],
                     [.float("epsilon", BatchNorm.defaultEpsilon)])
            case let .conv2d(_, kernel, stride, padding):
                node("Conv", [current, initializer("\(name).weight"), initializer("\(name).bias")],
                     [.ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]),
                      .ints("pads", [padding, padding, padding, padding]), .ints("dilations", [1, 1]), .int("group", 1)])
            case let .maxPool(size, stride, padding):
                node("MaxPool", [current],
                     [.ints("kernel_shape", [size, size]), .ints("strides", [stride, stride]),
                      .ints("pads", [padding, padding, padding, padding]), .int("ceil_mode", 0)])
            case .flatten:
                node("Flatten", [current], [.int("axis", 1)])
            }
            current = output
            if index < shapes.count { shape = shapes[index] }
        }

        let outputName = options.softmax ? "probabilities" : "logits"
        if options.softmax {
            graph.node.append(Onnx_NodeProto("Softmax", name: "softmax", inputs: [current], outputs: [outputName],
                                             attributes: [.int("axis", -1)]))
        } else {
            // Rename the last node's output so the graph's output has a plain name.
            graph.node[graph.node.count - 1].output = [outputName]
        }
        graph.output = [.batchedFloats(outputName, sample: shape)]

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "ScratchNet"
        model.producerVersion = ScratchNetONNXVersion.string
        model.graph = graph
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = opset
        model.opsetImport = [opsetID]
        model.metadataProps = metadata(spec: spec, options: options)
        return model
    }

    static func metadata(spec: NetworkSpec, options: ONNXExportOptions) -> [Onnx_StringStringEntryProto] {
        func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = value
            return e
        }
        let scaling = switch options.inputScaling {
        case .unit: "input is pixels divided by 255 (values in [0, 1]); divide raw 0-255 pixels by 255 before running"
        case .bytes: "input is raw pixels 0-255 as floats; the graph multiplies by 1/255 itself (node input.scale)"
        }
        var entries = [entry("scratchnet.input_scale", scaling), entry("scratchnet.summary", spec.summary)]
        if let preset = spec.preset { entries.append(entry("scratchnet.preset", preset)) }
        return entries
    }
}

/// The version written as the exported model's producer_version.
enum ScratchNetONNXVersion {
    static let string = "0.1.0"
}
