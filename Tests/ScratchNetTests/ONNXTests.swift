import Foundation
import Testing
import ScratchNet
import ScratchNetC
import ScratchNetTestSupport
@testable import ScratchNetONNX

/// ONNX export and import: round trips, PyTorch-exported fixtures, refusals,
/// the C API and the command line, and onnxruntime on the exported presets.
@Suite("ONNX: export, import, round trips and refusals")
struct ONNXTests {
    static let fixtures = TestTools.packageRoot + "/Tests/Fixtures"

    /// The architectures the builder offers: every preset (the MLPs also with
    /// BatchNorm, Dropout, Sigmoid and Tanh) and a CNN with BatchNorm on
    /// images, padded pooling and an explicit Flatten.
    static var specs: [(name: String, spec: NetworkSpec)] {
        var specs = Preset.allCases.map { ($0.rawValue, $0.spec()) }
        specs.append(("mlp-bn-dropout", Preset.mlp.spec(hidden: [32, 16], batchNorm: true, dropout: 0.3)))
        specs.append(("mlp-sigmoid", Preset.mlp.spec(hidden: [20], activation: .sigmoid)))
        specs.append(("mlp-tanh", Preset.twoLayer.spec(activation: .tanh)))
        specs.append(("cnn-bn", NetworkSpec(inputShape: [2, 9, 9], layers: [
            .conv2d(filters: 4, kernel: 3, stride: 2, padding: 1), .batchNorm, .relu,
            .maxPool(size: 3, stride: 2, padding: 1), .flatten, .affine(outputs: 7), .batchNorm, .tanh,
            .dropout(ratio: 0.5), .affine(outputs: 3),
        ])))
        return specs
    }

    /// A network with random weights and random BatchNorm statistics (the
    /// initial ones, 0 and 1, would hide a mix-up of mean and variance).
    static func network(_ spec: NetworkSpec, seed: UInt64 = 7) throws -> Network {
        let network = try Network(spec: spec, maxBatch: 3, seed: seed)
        var rng = SeededGenerator(seed: seed + 100)
        for t in ModelFile.tensors(of: network) {
            let positive = t.name.hasSuffix("running_var") || t.name.hasSuffix("gamma")
            for i in 0..<t.tensor.count {
                let u = Float(rng.nextUniform())
                t.tensor.pointer[i] = positive ? 0.5 + u : (t.name.hasSuffix("weight") ? t.tensor.pointer[i] : u - 0.5)
            }
        }
        return network
    }

    static func input(for network: Network, batch: Int, seed: UInt64 = 3) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<batch * network.sampleShape.count).map { _ in Float(rng.nextUniform()) }
    }

    static func logits(_ network: Network, _ input: [Float], batch: Int) -> [Float] {
        network.inputBuffer.leading(batch).copy(from: input)
        return network.forward(batch: batch, training: false).toArray()
    }

    static func error(_ body: () throws -> Void) -> ONNXError? {
        do { try body(); return nil } catch let e as ONNXError { return e } catch { return nil }
    }

    // MARK: Round trips

    @Test(arguments: specs.map(\.name))
    func exportThenImportGivesIdenticalOutputs(_ name: String) throws {
        let spec = try #require(Self.specs.first { $0.name == name }).spec
        let original = try Self.network(spec)
        let bytes = try ONNXModel.export(original)
        let imported = try ONNXModel.read(bytes: bytes)
        #expect(imported.opset == 17)
        #expect(imported.notes.isEmpty, "\(imported.notes)")
        // Dropout is inference's identity; an Affine reading an image gets its Flatten.
        #expect(imported.spec.layers.filter { if case .dropout = $0 { return false }; return $0 != .flatten }
                == spec.layers.filter { if case .dropout = $0 { return false }; return $0 != .flatten })
        let copy = try imported.makeNetwork(maxBatch: 3)
        let x = Self.input(for: original, batch: 3)
        // Same layers, same weights, same kernels: bit for bit.
        #expect(Self.logits(copy, x, batch: 3) == Self.logits(original, x, batch: 3))
    }

    @Test func softmaxAndByteScalingAreTakenBackOutOnImport() throws {
        let original = try Self.network(Preset.simpleCNN.spec())
        let bytes = try ONNXModel.export(original, options: ONNXExportOptions(softmax: true, inputScaling: .bytes))
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(model.graph.node.first?.opType == "Mul")
        #expect(model.graph.node.last?.opType == "Softmax")
        #expect(model.graph.output.map(\.name) == ["probabilities"])
        let imported = try ONNXModel.read(bytes: bytes)
        #expect(imported.notes.count == 2, "\(imported.notes)")
        let x = Self.input(for: original, batch: 2)
        #expect(Self.logits(try imported.makeNetwork(maxBatch: 2), x, batch: 2) == Self.logits(original, x, batch: 2))
    }

    @Test func exportedGraphIsOpset17GemmOnTheStoredWeightAndStatesTheScaling() throws {
        let bytes = try ONNXModel.export(try Self.network(Preset.twoLayer.spec()))
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(model.opsetImport.map(\.version) == [17])
        #expect(model.graph.node.map(\.opType) == ["Flatten", "Gemm", "Relu", "Gemm"])
        let gemm = model.graph.node[1]
        #expect(gemm.attribute.isEmpty, "Gemm with the (in, out) weight needs no transB")
        #expect(model.graph.initializer.first { $0.name == "layers.0.weight" }?.dims == [784, 100])
        let scale = model.metadataProps.first { $0.key == "scratchnet.input_scale" }?.value ?? ""
        #expect(scale.contains("divided by 255"))
        #expect(model.graph.output.map(\.name) == ["logits"])
    }

    // MARK: PyTorch fixtures

    struct Expected: Decodable {
        var producer: String
        var inputShape: [Int]
        var input: [Float]
        var outputShape: [Int]
        var output: [Float]
    }

    /// The fixtures were exported by torch.onnx.export from nn.Sequential
    /// modules (Tests/Fixtures/make_onnx_fixtures.py); their outputs are
    /// onnxruntime's.
    @Test(arguments: ["tiny-mlp", "tiny-cnn-bn"])
    func torchExportedFixtureImportsAndMatchesItsExpectedOutputs(_ name: String) throws {
        let path = Self.fixtures + "/onnx/\(name).onnx"
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/onnx/\(name).expected.json")))
        #expect(expected.producer.hasPrefix("torch.onnx.export"))
        let batch = expected.inputShape[0]
        let network = try ONNXModel.importNetwork(path: path, maxBatch: batch)
        #expect([batch] + network.spec.inputShape == expected.inputShape)
        let got = Self.logits(network, expected.input, batch: batch)
        #expect(got.count == expected.output.count)
        // onnxruntime sums in another order, and the BatchNorm epsilon (1e-5)
        // is folded into running_var: a few float32 ulps of values near 1.
        for (a, b) in zip(got, expected.output) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(name): \(a) vs \(b)")
        }
    }

    @Test func torchFixtureNotesTheFoldedEpsilon() throws {
        let imported = try ONNXModel.read(path: Self.fixtures + "/onnx/tiny-cnn-bn.onnx")
        #expect(imported.spec.layers.map(\.description) == ["conv3x3(2, stride 1, pad 1)", "batchnorm", "relu",
                                                           "maxpool2x2(stride 2, pad 0)", "flatten", "affine(3)"])
        #expect(imported.notes.contains { $0.contains("epsilon") })
    }

    // MARK: Refusals

    /// An exported graph with `edit` applied, serialized.
    static func edited(_ spec: NetworkSpec, _ edit: (inout Onnx_ModelProto) -> Void) throws -> [UInt8] {
        var model = try Onnx_ModelProto(serializedBytes: try ONNXModel.export(try network(spec)))
        edit(&model)
        return try model.serializedBytes()
    }

    static let smallCNN = NetworkSpec(inputShape: [1, 6, 6], layers: [
        .conv2d(filters: 2, kernel: 3), .relu, .maxPool(size: 2, stride: 2), .affine(outputs: 3),
    ])

    @Test func malformedAndTruncatedProtobufAreRefused() throws {
        let garbage = Self.error { _ = try ONNXModel.read(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], source: "x.onnx") }
        #expect(garbage?.kind == .malformed)
        #expect(garbage?.description.hasPrefix("x.onnx: not an ONNX model") == true)
        #expect(Self.error { _ = try ONNXModel.read(bytes: []) }?.kind == .malformed)
        let bytes = try ONNXModel.export(try Self.network(Self.smallCNN))
        for cut in [1, 7, bytes.count / 2, bytes.count - 1] {
            let e = Self.error { _ = try ONNXModel.read(bytes: Array(bytes.prefix(cut))) }
            #expect(e != nil, "cut at \(cut)")
            #expect(e?.description.contains("\n") == false)
        }
        let text = Array("{\"not\": \"onnx\"}".utf8)
        #expect(Self.error { _ = try ONNXModel.read(bytes: text) } != nil)
    }

    @Test func anUnsupportedOperatorIsRefusedWithItsNameAndNode() throws {
        let bytes = try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].opType = "LeakyRelu" }
        let e = try #require(Self.error { _ = try ONNXModel.read(bytes: bytes, source: "m.onnx") })
        #expect(e.kind == .unsupportedOperator)
        #expect(e.description == "m.onnx: node 'layers.1' (LeakyRelu): operator 'LeakyRelu' is not supported")
        let domain = try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].domain = "com.microsoft" }
        #expect(Self.error { _ = try ONNXModel.read(bytes: domain) }?.kind == .unsupportedOperator)
    }

    @Test(arguments: [
        ("Conv", "dilations", [2, 2]), ("Conv", "group", [2]), ("Conv", "pads", [0, 0, 1, 1]),
        ("Conv", "strides", [1, 2]), ("MaxPool", "ceil_mode", [1]), ("MaxPool", "dilations", [2, 2]),
        ("Gemm", "transA", [1]), ("Conv", "auto_pad", []),
    ])
    func attributesWithoutAnExactEquivalentAreRefused(op: String, attribute: String, value: [Int]) throws {
        let bytes = try Self.edited(Self.smallCNN) { model in
            let i = model.graph.node.firstIndex { $0.opType == op }!
            model.graph.node[i].attribute.removeAll { $0.name == attribute }
            if attribute == "auto_pad" {
                var a = Onnx_AttributeProto()
                a.name = "auto_pad"
                a.type = .string
                a.s = Data("SAME_UPPER".utf8)
                model.graph.node[i].attribute.append(a)
            } else {
                model.graph.node[i].attribute.append(value.count == 1 && attribute != "pads" ? .int(attribute, value[0]) : .ints(attribute, value))
            }
        }
        let e = try #require(Self.error { _ = try ONNXModel.read(bytes: bytes) })
        #expect(e.kind == .unsupportedAttribute, "\(e)")
        #expect(e.op == op && e.description.contains(attribute), "\(e)")
    }

    @Test func gemmAlphaAndUnknownAttributesAreRefused() throws {
        let alpha = try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[1].attribute.append(.float("alpha", 2)) }
        #expect(Self.error { _ = try ONNXModel.read(bytes: alpha) }?.kind == .unsupportedAttribute)
        let stray = try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].attribute.append(.int("fancy", 1)) }
        #expect(Self.error { _ = try ONNXModel.read(bytes: stray) }?.description.contains("attribute 'fancy'") == true)
    }

    @Test func wrongShapesAreRefused() throws {
        // A weight that does not take the features it is given.
        let weight = try Self.edited(Preset.twoLayer.spec()) { model in
            let i = model.graph.initializer.firstIndex { $0.name == "layers.2.weight" }!
            model.graph.initializer[i] = .floats("layers.2.weight", [Float](repeating: 0, count: 99 * 10), shape: [99, 10])
        }
        let e = try #require(Self.error { _ = try ONNXModel.read(bytes: weight) })
        #expect(e.kind == .shape && e.node == "layers.2", "\(e)")
        // Raw data shorter than the dimensions say.
        let short = try Self.edited(Preset.twoLayer.spec()) { model in
            model.graph.initializer[0].rawData = model.graph.initializer[0].rawData.prefix(10)
        }
        #expect(Self.error { _ = try ONNXModel.read(bytes: short) }?.kind == .shape)
        // A conv kernel larger than its padded input.
        let conv = try Self.edited(Self.smallCNN) { model in
            let i = model.graph.initializer.firstIndex { $0.name == "layers.0.weight" }!
            model.graph.initializer[i] = .floats("layers.0.weight", [Float](repeating: 0, count: 2 * 49), shape: [2, 1, 7, 7])
            let n = model.graph.node.firstIndex { $0.opType == "Conv" }!
            model.graph.node[n].attribute.removeAll { $0.name == "kernel_shape" }
        }
        #expect(Self.error { _ = try ONNXModel.read(bytes: conv) }?.kind == .shape)
        // An input of five dimensions.
        let input = try Self.edited(Self.smallCNN) { model in
            model.graph.input[0] = .batchedFloats("input", sample: [1, 1, 6, 6])
        }
        #expect(Self.error { _ = try ONNXModel.read(bytes: input) }?.kind == .shape)
        // A branch: the second layer reads the graph input again.
        let branch = try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].input = ["input"] }
        #expect(Self.error { _ = try ONNXModel.read(bytes: branch) }?.kind == .unsupportedGraph)
    }

    @Test func nonFiniteWeightsAreRefusedWhenTheNetworkIsBuilt() throws {
        let bytes = try Self.edited(Preset.twoLayer.spec()) { model in
            let i = model.graph.initializer.firstIndex { $0.name == "layers.0.bias" }!
            model.graph.initializer[i] = .floats("layers.0.bias", [Float](repeating: .nan, count: 100), shape: [100])
        }
        let imported = try ONNXModel.read(bytes: bytes, source: "nan.onnx")
        let e = Self.error { _ = try imported.makeNetwork(maxBatch: 1) }
        // The imported network starts with the Flatten the export put before the Gemm.
        #expect(e?.description == "nan.onnx: tensor 'layers.1.bias' holds nan: weights must be finite numbers")
    }

    /// nn.Linear on a 3-D input, and torch's dynamo exporter, write MatMul + Add.
    @Test func matMulThenAddImportsAsAnAffineLayer() throws {
        var graph = Onnx_GraphProto()
        graph.input = [.batchedFloats("x", sample: [3])]
        graph.output = [.batchedFloats("y", sample: [2])]
        graph.initializer = [.floats("W", [1, 2, 3, 4, 5, 6], shape: [3, 2]), .floats("b", [0.5, -1], shape: [2])]
        graph.node = [Onnx_NodeProto("MatMul", name: "mm", inputs: ["x", "W"], outputs: ["h"]),
                      Onnx_NodeProto("Add", name: "add", inputs: ["b", "h"], outputs: ["y"])]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph = graph
        let network = try ONNXModel.read(bytes: try model.serializedBytes()).makeNetwork(maxBatch: 1)
        #expect(network.spec.layers == [.affine(outputs: 2)])
        // x·W + b with x = (1, 1, 1): column sums 9 and 12.
        #expect(Self.logits(network, [1, 1, 1], batch: 1) == [9.5, 11])
        // An Add anywhere else is not a bias.
        model.graph.node.insert(Onnx_NodeProto("Relu", name: "r", inputs: ["h"], outputs: ["h2"]), at: 1)
        model.graph.node[2].input = ["b", "h2"]
        let e = Self.error { _ = try ONNXModel.read(bytes: try model.serializedBytes()) }
        #expect(e?.kind == .unsupportedOperator && e?.node == "add")
    }

    // MARK: C API and command line

    @Test func cAPIImportsAnONNXModelAndNamesAnUnsupportedNode() throws {
        var model: OpaquePointer?
        let path = Self.fixtures + "/onnx/tiny-cnn-bn.onnx"
        #expect(scratchnetModelImportONNX(path, 4, &model) == 0)
        defer { _ = scratchnetModelFree(model) }
        var inputSize: Int64 = 0, classes: Int64 = 0
        #expect(scratchnetModelInfo(model, &inputSize, &classes, nil) == 0)
        #expect(inputSize == 36 && classes == 3)
        let dir = TemporaryDirectory()
        let bad = dir.path("bad.onnx")
        try AtomicFile.write(try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].opType = "Elu" }, to: bad)
        var other: OpaquePointer?
        #expect(scratchnetModelImportONNX(bad, 4, &other) == 5) // SCRATCHNET_ERROR_NOT_SUPPORTED
        #expect(other == nil)
        #expect(String(cString: scratchnetLastError()).contains("node 'layers.1' (Elu)"))
        #expect(scratchnetModelImportONNX(dir.path("missing.onnx"), 4, &other) == 4) // SCRATCHNET_ERROR_IO
    }

    @Test(.enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
    func exportAndImportCommandsRoundTripAModelFile() throws {
        let dir = TemporaryDirectory()
        let original = try Self.network(Preset.mlp.spec(hidden: [12], batchNorm: true))
        try ModelFile.save(original, to: dir.path("m.safetensors"))
        let export = try TestTools.run(TestTools.scratchnet!, ["export", "--model", dir.path("m.safetensors"), "--output", dir.path("m.onnx")])
        #expect(export.status == 0, "\(export.output)")
        let back = try TestTools.run(TestTools.scratchnet!, ["import", dir.path("m.onnx"), "--output", dir.path("back.safetensors")])
        #expect(back.status == 0, "\(back.output)")
        let copy = try ModelFile.load(path: dir.path("back.safetensors"), maxBatch: 3)
        let x = Self.input(for: original, batch: 3)
        #expect(Self.logits(copy, x, batch: 3) == Self.logits(original, x, batch: 3))

        try AtomicFile.write(try Self.edited(Preset.twoLayer.spec()) { $0.graph.node[2].opType = "Elu" }, to: dir.path("bad.onnx"))
        let refused = try TestTools.run(TestTools.scratchnet!, ["import", dir.path("bad.onnx"), "--output", dir.path("bad.safetensors")])
        #expect(refused.status == 65)
        #expect(refused.output.split(separator: "\n").count == 1, "\(refused.output)")
        #expect(refused.output.contains("node 'layers.1' (Elu): operator 'Elu' is not supported"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("bad.safetensors")))
    }

    // MARK: onnxruntime

    /// The project's venv Python if it has onnx and onnxruntime (scripts/setup.sh installs them).
    static let onnxPython: String? = {
        let venv = TestTools.packageRoot + "/.build-venv/bin/python3"
        guard let r = try? TestTools.run(venv, ["-c", "import onnx, onnxruntime, numpy"]), r.status == 0 else { return nil }
        return venv
    }()
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Every preset's export passes `onnx.checker` and onnxruntime gives
    /// ScratchNet's outputs within 1e-4 and the same argmax. Skipped when
    /// the venv lacks onnxruntime, except in CI (CI=true), where it must run.
    @Test(.enabled(if: onnxPython != nil || inCI, ".build-venv lacks onnx/onnxruntime (run scripts/setup.sh)"))
    func onnxruntimeRunsEveryExportedModelLikeScratchNet() throws {
        let python = try #require(Self.onnxPython, "CI=true but .build-venv has no onnx/onnxruntime: scripts/setup.sh installs them")
        let dir = TemporaryDirectory()
        for (name, spec) in Self.specs {
            let network = try Self.network(spec)
            for options in [ONNXExportOptions(), ONNXExportOptions(softmax: true, inputScaling: .bytes)] {
                let tag = "\(name)-\(options.softmax ? "softmax-bytes" : "plain")"
                try ONNXModel.write(network, to: dir.path("\(tag).onnx"), options: options)
                var x = Self.input(for: network, batch: 3)
                var y = Self.logits(network, x, batch: 3)
                if options.inputScaling == .bytes { x = x.map { ($0 * 255).rounded() }; y = Self.logits(network, x.map { $0 * LabeledImages.pixelScale }, batch: 3) }
                if options.softmax { y = Self.softmax(y, classes: network.classes) }
                try AtomicFile.write(NumPy.npy(x, shape: [3] + spec.inputShape), to: dir.path("\(tag).x.npy"))
                try AtomicFile.write(NumPy.npy(y, shape: [3, network.classes]), to: dir.path("\(tag).y.npy"))
                let check = try TestTools.run(python, [Self.fixtures + "/make_onnx_fixtures.py", "check",
                                                       dir.path("\(tag).onnx"), dir.path("\(tag).x.npy"), dir.path("\(tag).y.npy")])
                #expect(check.status == 0, "\(tag): \(check.output)")
            }
        }
    }

    static func softmax(_ logits: [Float], classes: Int) -> [Float] {
        stride(from: 0, to: logits.count, by: classes).flatMap { start -> [Float] in
            let row = logits[start..<start + classes]
            let m = row.max()!
            let e = row.map { Float(Foundation.exp(Double($0 - m))) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }
}
