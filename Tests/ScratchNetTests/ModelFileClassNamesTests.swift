import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Class names in a model file's metadata: written with the model, read
/// back, refused when they do not fit the model.
@Suite("Model file class names")
struct ModelFileClassNamesTests {
    func network() throws -> Network {
        try Network(spec: Preset.twoLayer.spec(inputShape: [1, 2, 2], classes: 3), maxBatch: 1, seed: 1)
    }

    @Test func namesRoundTripAndAreOptional() throws {
        let dir = TemporaryDirectory()
        let net = try network()
        try ModelFile.save(net, to: dir.path("named.safetensors"), classNames: ["T-shirt/top", "Ünïcode", "a, b"])
        let named = try SafeTensors.read(path: dir.path("named.safetensors"))
        #expect(try ModelFile.classNames(in: named, classes: 3) == ["T-shirt/top", "Ünïcode", "a, b"])
        #expect(named.metadata[ModelFile.classNamesKey] == #"["T-shirt/top","Ünïcode","a, b"]"#)
        // The names change nothing else: the model loads and matches one saved without them.
        try ModelFile.save(net, to: dir.path("plain.safetensors"))
        let plain = try SafeTensors.read(path: dir.path("plain.safetensors"))
        #expect(try ModelFile.classNames(in: plain, classes: 3) == nil)
        #expect(try ModelFile.load(named, maxBatch: 1).spec == ModelFile.load(plain, maxBatch: 1).spec)
    }

    @Test func namesThatDoNotFitAreRefused() throws {
        let dir = TemporaryDirectory()
        let net = try network()
        #expect(throws: SerializationError.self) { try ModelFile.save(net, to: dir.path("m"), classNames: ["a", "b"]) }
        #expect(throws: SerializationError.self) { try ModelFile.save(net, to: dir.path("m"), classNames: ["a", "", "c"]) }
        #expect(throws: SerializationError.self) { try ModelFile.save(net, to: dir.path("m"), classNames: ["a", "b\nc", "d"]) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("m")))
        // A hand-made file whose names are not a JSON array of strings, or too few.
        for (json, message) in [("{\"a\":1}", "is not a JSON array of strings"), ("[1,2,3]", "is not a JSON array of strings"),
                                ("[\"a\"]", "names 1 classes, the model has 3")] {
            var writer = ModelFile.writer(for: net)
            writer.metadata[ModelFile.classNamesKey] = json
            try writer.write(to: dir.path("bad.safetensors"))
            let file = try SafeTensors.read(path: dir.path("bad.safetensors"))
            #expect(performing: { _ = try ModelFile.classNames(in: file, classes: 3) },
                    throws: { ($0 as? SerializationError)?.message.contains(message) == true })
        }
    }
}
