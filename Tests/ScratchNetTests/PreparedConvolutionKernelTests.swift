import Testing
import ScratchNet
import ScratchNetTestSupport

/// The inference forward with prepared weights (``Network/prepareForInference()``):
/// the Winograd weights transformed once and reused by every call.
/// On every instruction set the CPU runs, at 1 and 2 threads: the same bits
/// as the Winograd forward that transforms the weights itself, within
/// Winograd's bound of the naive convolution, and never stale after the
/// weights change by training or by loading a file.
@Suite("Convolutions prepared for inference")
struct PreparedConvolutionKernelTests {
    let fast = FastKernels()
    let naive = NaiveKernels()

    /// (batch, channels, height, width, padding, filters); 3×3 kernels,
    /// stride 1: batches 1, 7 and 100 (where a 7×7 layer's training forward
    /// runs 4×4 tiles and the prepared ones are 2×2), odd sides and channels,
    /// and a layer too narrow for Winograd (direct, nothing prepared).
    static let shapes: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 16, 28, 28, 1, 16), (1, 17, 7, 7, 1, 33), (7, 33, 14, 14, 2, 17), (100, 32, 7, 7, 1, 20),
        (1, 16, 1, 1, 1, 16), (7, 17, 5, 9, 0, 16), (1, 7, 9, 9, 1, 16),
    ]

    @Test(arguments: GEMMMicroKernel.supported)
    func preparedForwardEqualsTheForwardThatTransforms(kernel: GEMMMicroKernel) throws {
        for (batch, channels, height, width, padding, filters) in Self.shapes {
            let g = WindowGeometry(batch: batch, channels: channels, height: height, width: width,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
            let inputCount = batch * channels * height * width, outputCount = batch * filters * g.outputPixels
            var x = [Float](repeating: 0, count: inputCount), w = [Float](repeating: 0, count: filters * g.windowSize)
            var bias = [Float](repeating: 0, count: filters)
            fillUniform(&x, count: inputCount, seed: 51)
            fillUniform(&w, count: w.count, seed: 52)
            fillUniform(&bias, count: filters, seed: 53)
            let tile = fast.convolutionInferenceTile(geometry: g, filters: filters)
            let algorithm: ConvolutionAlgorithm = tile == 4 ? .winograd4x4 : tile == 2 ? .winograd : .direct
            let scratchCount = max(fast.convolutionScratchCount(geometry: g, filters: filters), 1)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            var reference = [Float](repeating: .nan, count: outputCount)
            scratch.update(repeating: .nan, count: scratchCount)
            fast.convolutionForward(using: kernel, algorithm: algorithm, threads: 1, x, weight: w, bias: bias,
                                    into: &reference, scratch: scratch, geometry: g, filters: filters)
            var oracle = [Float](repeating: 0, count: outputCount), magnitude = oracle
            let naiveScratch = [Float](repeating: 0, count: max(naive.convolutionScratchCount(geometry: g, filters: filters), 1))
            naiveScratch.withUnsafeBufferPointer { s in
                let p = UnsafeMutablePointer(mutating: s.baseAddress!)
                naive.convolutionForward(x, weight: w, bias: bias, into: &oracle, scratch: p, geometry: g, filters: filters)
                naive.convolutionForward(x.map(abs), weight: w.map(abs), bias: bias.map(abs), into: &magnitude,
                                         scratch: p, geometry: g, filters: filters)
            }
            for threads in [1, 2] {
                scratch.update(repeating: .nan, count: scratchCount)  // only what prepare wrote may be read
                fast.prepareConvolutionInference(weight: w, scratch: scratch, geometry: g, filters: filters)
                var out = [Float](repeating: .nan, count: outputCount)
                fast.convolutionInferenceForward(using: kernel, threads: threads, x, weight: w, bias: bias,
                                                 into: &out, scratch: scratch, geometry: g, filters: filters)
                #expect(out == reference, "\(kernel) \(g) FN \(filters) at \(threads) threads: not the \(algorithm) forward's bits")
                let error = WinogradKernelTests.worstRelativeToMagnitude(out, oracle, magnitude)
                #expect(error <= WinogradKernelTests.relativeBound4x4, "\(kernel) \(g) FN \(filters): \(error) from naive")
            }
        }
    }

    /// deep-cnn's layers: one image runs Winograd wherever the layer has
    /// 16 channels and filters (4×4 tiles on 28×28 and 14×14 images, 2×2 on
    /// 8×8), the first layer direct; 100 images run the training forward's
    /// choice where it runs Winograd, the prepared tiles on the 16 → 16 layer.
    @Test func tileChoiceOnDeepCNN() {
        // (channels, side, filters, padding, tile at batch 1, tile at batch 100)
        let layers = [(1, 28, 16, 1, 0, 0), (16, 28, 16, 1, 4, 4), (16, 14, 32, 1, 4, 4),
                      (32, 14, 32, 2, 4, 4), (32, 8, 64, 1, 2, 4), (64, 8, 64, 1, 2, 4)]
        for (channels, side, filters, padding, one, hundred) in layers {
            for (batch, tile) in [(1, one), (100, hundred)] {
                let g = WindowGeometry(batch: batch, channels: channels, height: side, width: side,
                                       kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
                #expect(fast.convolutionInferenceTile(geometry: g, filters: filters) == tile, "\(g) FN \(filters)")
            }
        }
    }

    /// A prepared network predicts what an unprepared one does within
    /// Winograd's rounding, and after a training step (which changes the
    /// weights) exactly what a network that was never prepared does: the
    /// stale transform is never used.
    @Test func trainingStepEndsThePreparation() throws {
        let spec = Preset.deepCNN.spec()
        let batch = 4
        let prepared = try Network(spec: spec, maxBatch: batch, optimizer: SGD(learningRate: 0.1), seed: 3)
        let plain = try Network(spec: spec, maxBatch: batch, optimizer: SGD(learningRate: 0.1), seed: 3)
        for network in [prepared, plain] {
            fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 9, in: 0...1)
            for i in 0..<batch { network.labelBuffer[i] = Int32(i) }
        }
        prepared.prepareForInference()
        #expect(prepared.isPreparedForInference)
        let before = prepared.inferenceForward(batch: batch).toArray()
        let reference = plain.inferenceForward(batch: batch).toArray()
        #expect(maxRelativeDifference(before, reference, count: before.count, floor: 1) <= 1e-4)
        _ = prepared.trainStep(batch: batch)
        _ = plain.trainStep(batch: batch)
        #expect(!prepared.isPreparedForInference)
        #expect(prepared.inferenceForward(batch: 1).toArray() == plain.inferenceForward(batch: 1).toArray())
        prepared.prepareForInference()
        plain.prepareForInference()
        #expect(prepared.inferenceForward(batch: 1).toArray() == plain.inferenceForward(batch: 1).toArray())
    }

    /// Loading weights into a prepared network prepares it again: it then
    /// predicts what the network the file came from predicts.
    @Test func restoringWeightsPreparesAgain() throws {
        let directory = TemporaryDirectory()
        let spec = Preset.deepCNN.spec()
        let source = try Network(spec: spec, maxBatch: 1, seed: 1)
        try ModelFile.save(source, to: directory.path("source.safetensors"))
        let target = try Network(spec: spec, maxBatch: 1, seed: 2)
        target.prepareForInference()
        try ModelFile.restore(target, from: SafeTensors.read(path: directory.path("source.safetensors")))
        #expect(target.isPreparedForInference)
        let loaded = try ModelFile.load(path: directory.path("source.safetensors"), maxBatch: 1)
        #expect(loaded.isPreparedForInference)
        for network in [target, loaded] {
            fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 10, in: 0...1)
        }
        #expect(target.inferenceForward(batch: 1).toArray() == loaded.inferenceForward(batch: 1).toArray())
    }
}
