import Foundation
import Testing
import ScratchNet
import ScratchNetC
import ScratchNetTestSupport

/// The C API on int8 model files: load, predict (the int8 network's logits
/// through the softmax), threads, save; training refused by name.
@Suite("C API with int8 models")
struct QuantizedCAPITests {
    @Test func int8FileLoadsPredictsAndRefusesTraining() throws {
        let spec = Preset.simpleCNN.spec()
        let data = randomLabeledImages(count: 16, shape: spec.inputShape, seed: 2)
        let network = try Network(spec: spec, maxBatch: 16, seed: 2)
        let model = try Quantizer.quantize(network, ranges: ActivationRanges.measure(network, on: data, batches: 1, batchSize: 16),
                                           calibration: "test")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capi-\(UInt64.random(in: 0...UInt64.max)).int8.safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try QuantizedModelFile.save(model, to: path)

        var handle: OpaquePointer?
        #expect(scratchnetModelLoad(path, 4, &handle) == 0, "\(String(cString: scratchnetLastError()))")
        defer { _ = scratchnetModelFree(handle) }
        var inputSize: Int64 = 0, classes: Int64 = 0, maxBatch: Int64 = 0
        #expect(scratchnetModelInfo(handle, &inputSize, &classes, &maxBatch) == 0)
        #expect(inputSize == 784 && classes == 10 && maxBatch == 4)
        #expect(scratchnetModelSetThreads(handle, 2) == 0)

        let floats = data.withSamples(start: 0, count: 7) { p in (0..<(7 * 784)).map { Float(p[$0]) * LabeledImages.pixelScale } }
        var probabilities = [Float](repeating: 0, count: 70)
        #expect(scratchnetModelPredict(handle, floats, 7, &probabilities, 70) == 0)
        let reference = try QuantizedNetwork(model: model, maxBatch: 7, kernels: NaiveKernels())
        let logits = reference.forward(floats: floats, batch: 7).toArray()
        for r in 0..<7 {
            let row = Array(logits[r * 10..<(r + 1) * 10]), p = Array(probabilities[r * 10..<(r + 1) * 10])
            #expect(row.indices.max { row[$0] < row[$1] } == p.indices.max { p[$0] < p[$1] })
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
        }

        var loss: Float = 0
        let labels = [Int32](repeating: 0, count: 1)
        #expect(scratchnetModelTrainStep(handle, floats, labels, 1, 0.1, &loss) != 0)
        #expect(String(cString: scratchnetModelLastError(handle)).contains("int8"))

        let copy = path + ".copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(scratchnetModelSave(handle, copy) == 0)
        #expect(try QuantizedModelFile.load(path: copy) == model)
    }
}
