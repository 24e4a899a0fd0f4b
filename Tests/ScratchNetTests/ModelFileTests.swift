import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Model files rebuild their network alone, refuse files that do not
/// describe it, and agree with Python's `safetensors` and numpy.
@Suite("Model files")
struct ModelFileTests {
    /// 1×2×2 → affine(3) → relu → affine(2): small enough to check by hand
    /// and to share with Tests/Fixtures/make_fixtures.py.
    static let tinySpec = NetworkSpec(inputShape: [1, 2, 2], layers: [.affine(outputs: 3), .relu, .affine(outputs: 2)],
                                      initializer: .gaussian(std: 0.01))

    /// The values make_fixtures.py expects: ((k·m + layer) mod n − n/2) / 8, exact in Float.
    static func pattern(_ name: String, count: Int, multiplier: Int = 7, modulus: Int = 11) -> [Float] {
        let layer = Int(name.split(separator: ".")[1])!
        return (0..<count).map { Float(($0 * multiplier + layer) % modulus - modulus / 2) / 8 }
    }

    static func tinyNetworkWithPattern() throws -> Network {
        let network = try Network(spec: tinySpec, maxBatch: 4)
        for p in network.parameters { p.value.copy(from: pattern(p.name, count: p.value.count)) }
        return network
    }

    static func logits(_ network: Network, _ input: [Float]) -> [Float] {
        network.inputBuffer.leading(1).copy(from: input)
        return network.forward(batch: 1, training: false).toArray()
    }

    static func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func savedModelRebuildsTheSameNetworkFromTheFileAlone() throws {
        let dir = TemporaryDirectory()
        let spec = Preset.mlp.spec(inputShape: [1, 4, 4], classes: 3, hidden: [5, 6], activation: .sigmoid, weightDecay: 0.5)
        let original = try Network(spec: spec, maxBatch: 2, seed: 9)
        try ModelFile.save(original, to: dir.path("m.safetensors"))
        let loaded = try ModelFile.load(path: dir.path("m.safetensors"), maxBatch: 7)
        #expect(loaded.spec == spec)
        #expect(loaded.maxBatch == 7)
        #expect(loaded.parameters.map(\.name) == original.parameters.map(\.name))
        for (a, b) in zip(original.parameters, loaded.parameters) {
            #expect(a.value.toArray() == b.value.toArray(), "\(a.name) differs after a round trip")
        }
        let input = (0..<16).map { Float($0) / 16 }
        #expect(Self.logits(original, input) == Self.logits(loaded, input))
    }

    @Test func fileWithoutMetadataIsNotAModel() throws {
        var writer = SafeTensorsWriter()
        writer.add("layers.0.weight", floats: [0], shape: [1, 1])
        let file = try SafeTensors(parsing: writer.encoded(), path: "plain.safetensors")
        #expect(Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
                == "plain.safetensors: no 'scratchnet.format' in the metadata: not a ScratchNet model file (write one with `scratchnet train --save`)")
        var noSpec = SafeTensorsWriter(metadata: ["scratchnet.format": "1"])
        noSpec.add("x", floats: [0], shape: [1])
        let file2 = try SafeTensors(parsing: noSpec.encoded(), path: "nospec.safetensors")
        #expect(Self.message { _ = try ModelFile.load(file2, maxBatch: 1) }
                == "nospec.safetensors: no 'scratchnet.spec' in the metadata: the architecture is unknown")
    }

    @Test func unreadableOrAbsurdSpecIsRefused() throws {
        func load(_ spec: String) throws -> String? {
            let file = try SafeTensors(parsing: SafeTensorsWriter(metadata: ["scratchnet.format": "1", "scratchnet.spec": spec]).encoded(), path: "m")
            return Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
        }
        #expect(try load(#"{"inputShape":[1,2,2]}"#) == "m: 'scratchnet.spec' is not a network spec: missing key 'layers'")
        #expect(try load(#"{"initializer":{"he":{}},"inputShape":[1,2,2],"layers":[{"affine":{"outputs":4611686018427387904}}],"weightDecay":0}"#)
                == "m: 'scratchnet.spec': layer 0 has 4611686018427387904 outputs")
        #expect(try load(#"{"initializer":{"he":{}},"inputShape":[1,65536,65536],"layers":[{"affine":{"outputs":2}}],"weightDecay":0}"#)
                == "m: 'scratchnet.spec': input shape [1, 65536, 65536] is absurdly large")
        let future = try SafeTensors(parsing: SafeTensorsWriter(metadata: ["scratchnet.format": "2"]).encoded(), path: "m")
        #expect(Self.message { _ = try ModelFile.load(future, maxBatch: 1) }
                == "m: model format version '2' is not supported (this build reads version 1)")
    }

    /// A file whose tensors are missing, misshapen or extra for its own spec.
    static func tamperedFile(drop: String? = nil, reshape: String? = nil, extra: String? = nil) throws -> SafeTensors {
        let network = try tinyNetworkWithPattern()
        var writer = SafeTensorsWriter(metadata: ModelFile.writer(for: network).metadata)
        for p in network.parameters where p.name != drop {
            if p.name == reshape {
                writer.add(p.name, floats: p.value.toArray(), shape: [p.value.count])
            } else {
                writer.add(p.name, tensor: p.value)
            }
        }
        if let extra { writer.add(extra, floats: [1], shape: [1]) }
        return try SafeTensors(parsing: writer.encoded(), path: "t.safetensors")
    }

    @Test func missingTensorIsNamed() throws {
        let file = try Self.tamperedFile(drop: "layers.2.bias")
        #expect(Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
                == "t.safetensors: no tensor 'layers.2.bias' (needed by 1×2×2 → affine(3) → relu → affine(2))")
    }

    @Test func tensorOfTheWrongShapeIsNamed() throws {
        let file = try Self.tamperedFile(reshape: "layers.0.weight")
        #expect(Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
                == "t.safetensors: tensor 'layers.0.weight' has shape [12], expected [4, 3] (needed by 1×2×2 → affine(3) → relu → affine(2))")
    }

    @Test func tensorOfAnotherNetworkIsRefused() throws {
        let file = try Self.tamperedFile(extra: "layers.4.weight")
        #expect(Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
                == "t.safetensors: tensor 'layers.4.weight' is not part of this network (1×2×2 → affine(3) → relu → affine(2))")
    }

    @Test func metadataOfAnotherArchitectureIsRefused() throws {
        // The tensors are the tiny network's, but the spec says affine(5).
        let network = try Self.tinyNetworkWithPattern()
        var writer = ModelFile.writer(for: network)
        var other = Self.tinySpec
        other.layers[0] = .affine(outputs: 5)
        writer.metadata[ModelFile.specKey] = String(decoding: try JSONEncoder().encode(other), as: UTF8.self)
        let file = try SafeTensors(parsing: writer.encoded(), path: "o.safetensors")
        #expect(Self.message { _ = try ModelFile.load(file, maxBatch: 1) }
                == "o.safetensors: tensor 'layers.0.weight' has shape [4, 3], expected [4, 5] (needed by 1×2×2 → affine(5) → relu → affine(2))")
        // Restoring a file into a network of another spec says so.
        let good = try SafeTensors(parsing: ModelFile.writer(for: network).encoded(), path: "g.safetensors")
        let otherNetwork = try Network(spec: other, maxBatch: 1)
        #expect(Self.message { try ModelFile.restore(otherNetwork, from: good) }
                == "g.safetensors: written for 1×2×2 → affine(3) → relu → affine(2), not for this network (1×2×2 → affine(5) → relu → affine(2))")
    }

    @Test func arenaTooSmallSaysHowMuchIsNeeded() throws {
        let needed = try Network(spec: Self.tinySpec, maxBatch: 4).requiredArenaBytes
        #expect(Self.message { _ = try Network(spec: Self.tinySpec, maxBatch: 4, arenaCapacity: 100) }
                == "arena: too small: this network and batch size need \(needed) bytes (\(Arena.formatBytes(needed))), the arena has 100; 3 layers, batch 4")
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// Checks a network loaded from make_fixtures.py's `write` output.
    static func checkPythonWrittenModel(_ path: String) throws {
        let network = try ModelFile.load(path: path, maxBatch: 1)
        for p in network.parameters {
            #expect(p.value.toArray() == pattern(p.name, count: p.value.count, multiplier: 5, modulus: 13), "\(p.name)")
        }
        let file = try SafeTensors.read(path: path)
        let expected = try JSONDecoder().decode([Float].self, from: Data(try #require(file.metadata["fixture.logits"]).utf8))
        let logits = logits(network, [0.5, -1, 0.25, 2])
        // Values are multiples of 1/64 summed over ≤ 4 terms: exact in float32
        // either way, so any difference would be a real disagreement.
        #expect(logits == expected)
    }

    @Test func modelWrittenByPythonSafetensorsLoads() throws {
        try Self.checkPythonWrittenModel(Self.fixtures + "/python-tiny.safetensors")
    }

    @Test(.enabled(if: TestTools.python != nil, TestTools.pythonMissing))
    func pythonSafetensorsReadsOurFileAndWritesOneWeRead() throws {
        let dir = TemporaryDirectory()
        let ours = dir.path("ours.safetensors")
        try ModelFile.save(try Self.tinyNetworkWithPattern(), to: ours)
        let check = try TestTools.run(TestTools.python!, [Self.fixtures + "/make_fixtures.py", "check", ours])
        #expect(check.status == 0, "\(check.output)")
        let theirs = dir.path("theirs.safetensors")
        let write = try TestTools.run(TestTools.python!, [Self.fixtures + "/make_fixtures.py", "write", theirs])
        #expect(write.status == 0, "\(write.output)")
        try Self.checkPythonWrittenModel(theirs)
    }

    @Test(.enabled(if: TestTools.python != nil, TestTools.pythonMissing))
    func numpyReadsOurNpz() throws {
        let dir = TemporaryDirectory()
        let network = try Self.tinyNetworkWithPattern()
        let npz = NumPy.npz(network.parameters.map { ($0.name, $0.value.toArray(), $0.value.shape.dims) })
        try AtomicFile.write(npz, to: dir.path("w.npz"))
        let check = try TestTools.run(TestTools.python!, [Self.fixtures + "/make_fixtures.py", "check-npz", dir.path("w.npz")])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func npyHeaderIsAlignedAndDescribesTheArray() {
        let bytes = NumPy.npy([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(bytes.count == 10 + headerLength + 24)
    }
}
