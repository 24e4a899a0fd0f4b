import CAllocationCounter
import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

#if DEBUG
private let isDebugBuild = true
#else
private let isDebugBuild = false
#endif

/// Post-training int8 quantization: the plan, the file, the refusals, the
/// runtime on both kernel sets, and accuracy on real data.
@Suite("int8 quantization")
struct QuantizationTests {
    /// A float network of `spec` with seeded weights, and its int8 model
    /// calibrated on random images.
    func quantized(_ spec: NetworkSpec, seed: UInt64 = 3) throws -> (Network, QuantizedModel, LabeledImages) {
        let data = randomLabeledImages(count: 64, shape: spec.inputShape, seed: seed)
        let network = try Network(spec: spec, maxBatch: 32, seed: seed)
        let ranges = ActivationRanges.measure(network, on: data, batches: 2, batchSize: 32)
        return (network, try Quantizer.quantize(network, ranges: ranges, calibration: "test"), data)
    }

    static let specs: [NetworkSpec] = [
        Preset.twoLayer.spec(), Preset.simpleCNN.spec(), Preset.deepCNN.spec(),
        Preset.mlp.spec(hidden: [33, 7], activation: .sigmoid),
        Preset.twoLayer.spec(activation: .tanh),
        NetworkSpec(inputShape: [1, 9, 9], layers: [.conv2d(filters: 7, kernel: 3, stride: 2, padding: 1), .maxPool(size: 2, stride: 1, padding: 1),
                                                     .relu, .flatten, .dropout(ratio: 0.5), .affine(outputs: 10)]),
    ]

    @Test(arguments: specs.indices)
    func fastAndNaiveRuntimesGiveTheSameLogits(index: Int) throws {
        let (_, model, data) = try quantized(Self.specs[index])
        let naive = try QuantizedNetwork(model: model, maxBatch: 32, kernels: NaiveKernels())
        let fast = try QuantizedNetwork(model: model, maxBatch: 32)
        for threads in [1, 2] {
            fast.threads = threads
            for batch in [1, 7, 32] {
                let expected = data.withSamples(start: 0, count: batch) { naive.forward(bytes: $0, batch: batch, scale: LabeledImages.pixelScale).toArray() }
                let got = data.withSamples(start: 0, count: batch) { fast.forward(bytes: $0, batch: batch, scale: LabeledImages.pixelScale).toArray() }
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(Self.specs[index].summary), batch \(batch), \(threads) threads")
            }
        }
    }

    @Test func int8LogitsFollowTheFloatNetwork() throws {
        let (network, model, data) = try quantized(Preset.simpleCNN.spec())
        let q = try QuantizedNetwork(model: model, maxBatch: 32)
        let float = network.inferenceLogits(on: data, start: 0, count: 32).toArray()
        let int8 = data.withSamples(start: 0, count: 32) { q.forward(bytes: $0, batch: 32, scale: LabeledImages.pixelScale).toArray() }
        let span = (float.max()! - float.min()!)
        let worst = zip(float, int8).map { abs($0 - $1) }.max()!
        // 8-bit steps through three products: a few percent of the logit range.
        #expect(worst <= 0.05 * span, "largest logit difference \(worst) of a range \(span)")
    }

    @Test func bytesAndFloatInputsAgree() throws {
        let (_, model, data) = try quantized(Preset.twoLayer.spec())
        #expect(model.input == QuantizationParameters(scale: LabeledImages.pixelScale, zeroPoint: 0) || model.input.scale > 0)
        let q = try QuantizedNetwork(model: model, maxBatch: 8)
        let floats = data.withSamples(start: 0, count: 8) { p in (0..<(8 * 784)).map { Float(p[$0]) * LabeledImages.pixelScale } }
        let a = data.withSamples(start: 0, count: 8) { q.forward(bytes: $0, batch: 8, scale: LabeledImages.pixelScale).toArray() }
        let b = q.forward(floats: floats, batch: 8).toArray()
        #expect(a == b)
    }

    @Test func fileRoundTripsAndRefusesTheWrongKind() throws {
        let (network, model, _) = try quantized(Preset.simpleCNN.spec())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("int8-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let int8Path = dir + "/m.int8.safetensors", floatPath = dir + "/m.safetensors"
        try QuantizedModelFile.save(model, to: int8Path)
        try ModelFile.save(network, to: floatPath)
        let loaded = try QuantizedModelFile.load(path: int8Path)
        #expect(loaded == model)
        #expect(QuantizedModelFile.isQuantized(try SafeTensors.read(path: int8Path)))
        #expect(!QuantizedModelFile.isQuantized(try SafeTensors.read(path: floatPath)))
        let asFloat = #expect(throws: SerializationError.self) { try ModelFile.load(path: int8Path, maxBatch: 1) }
        #expect(asFloat?.message.contains("int8 model") == true, "\(String(describing: asFloat))")
        let asInt8 = #expect(throws: SerializationError.self) { try QuantizedModelFile.load(path: floatPath) }
        #expect(asInt8?.message.contains("float32 model") == true, "\(String(describing: asInt8))")
    }

    @Test func planLeavesBatchNormToTheFold() {
        let error = #expect(throws: QuantizationError.self) { try QuantizationPlan(spec: Preset.mlp.spec(hidden: [10], batchNorm: true)) }
        #expect(error?.message.contains("batchnorm") == true)
    }

    static let batchNormSpecs: [NetworkSpec] = [
        Preset.mlp.spec(hidden: [33, 7], batchNorm: true, dropout: 0.2),
        NetworkSpec(inputShape: [1, 9, 9], layers: [.conv2d(filters: 7, kernel: 3, stride: 2, padding: 1), .batchNorm, .relu,
                                                     .maxPool(size: 2, stride: 1, padding: 1), .conv2d(filters: 5, kernel: 3), .batchNorm,
                                                     .relu, .flatten, .affine(outputs: 12), .batchNorm, .tanh, .affine(outputs: 4)]),
    ]

    /// A float network with random weights and BatchNorm statistics far from
    /// the initial ones (which would make the fold an identity).
    static func batchNormNetwork(_ spec: NetworkSpec, maxBatch: Int = 32) throws -> Network {
        let network = try Network(spec: spec, maxBatch: maxBatch, seed: 11)
        var rng = SeededGenerator(seed: 12)
        for t in ModelFile.tensors(of: network) where !t.name.hasSuffix("weight") {
            let positive = t.name.hasSuffix("running_var") || t.name.hasSuffix("gamma")
            for i in 0..<t.tensor.count {
                let u = Float(rng.nextUniform())
                t.tensor.pointer[i] = positive ? 0.2 + 2 * u : u - 0.5
            }
        }
        return network
    }

    /// The folded network computes the unfolded one's inference logits to
    /// 1e-5 of their largest magnitude, with one layer fewer per BatchNorm.
    @Test(arguments: batchNormSpecs.indices)
    func foldedBatchNormComputesTheSameLogits(index: Int) throws {
        let spec = Self.batchNormSpecs[index]
        let network = try Self.batchNormNetwork(spec)
        let folded = try BatchNormFolding.fold(network)
        #expect(!folded.spec.layers.contains(.batchNorm))
        #expect(folded.spec.layers.count == spec.layers.count - spec.layers.filter { $0 == .batchNorm }.count)
        let data = randomLabeledImages(count: 32, shape: spec.inputShape, seed: 4)
        let a = network.inferenceLogits(on: data, start: 0, count: 32).toArray()
        let b = folded.inferenceLogits(on: data, start: 0, count: 32).toArray()
        let span = a.map(abs).max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * span, "\(spec.summary): largest difference \(worst) of a largest |logit| \(span)")
    }

    /// A network with BatchNorm quantizes (folded first) and its int8 logits
    /// follow the float ones; fast and naive int8 kernels agree bit for bit.
    @Test(arguments: batchNormSpecs.indices)
    func batchNormNetworkQuantizesFolded(index: Int) throws {
        let spec = Self.batchNormSpecs[index]
        let network = try Self.batchNormNetwork(spec)
        let data = randomLabeledImages(count: 64, shape: spec.inputShape, seed: 4)
        let ranges = ActivationRanges.measure(network, on: data, batches: 2, batchSize: 32)
        let model = try Quantizer.quantize(network, ranges: ranges, calibration: "test")
        #expect(model.spec == (try BatchNormFolding.foldedSpec(spec)).spec)
        let fast = try QuantizedNetwork(model: model, maxBatch: 32)
        let naive = try QuantizedNetwork(model: model, maxBatch: 32, kernels: NaiveKernels())
        let float = network.inferenceLogits(on: data, start: 0, count: 32).toArray()
        let int8 = data.withSamples(start: 0, count: 32) { fast.forward(bytes: $0, batch: 32, scale: LabeledImages.pixelScale).toArray() }
        let oracle = data.withSamples(start: 0, count: 32) { naive.forward(bytes: $0, batch: 32, scale: LabeledImages.pixelScale).toArray() }
        #expect(int8.map(\.bitPattern) == oracle.map(\.bitPattern))
        let span = float.max()! - float.min()!
        let worst = zip(float, int8).map { abs($0 - $1) }.max()!
        #expect(worst <= 0.1 * span, "\(spec.summary): largest logit difference \(worst) of a range \(span)")
    }

    @Test func batchNormAfterAnActivationIsRefusedByName() throws {
        let spec = NetworkSpec(inputShape: [4], layers: [.affine(outputs: 3), .relu, .batchNorm, .affine(outputs: 2)])
        let error = #expect(throws: QuantizationError.self) { try BatchNormFolding.foldedSpec(spec) }
        #expect(error?.message.contains("layer 2 (batchnorm)") == true && error?.message.contains("layer 1 is relu") == true,
                "\(String(describing: error))")
    }

    @Test func planFusesReLUAndSkipsIdentityLayers() throws {
        let plan = try QuantizationPlan(spec: Preset.simpleCNN.spec())
        #expect(plan.steps == [.product(layer: 0, relu: true, output: 1), .maxPool(layer: 2),
                               .product(layer: 3, relu: true, output: 4), .product(layer: 5, relu: false, output: 5)])
    }

    static let data: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

    /// Real Fashion-MNIST: a two-layer net trained one epoch, quantized on
    /// 10 training batches, stays within 0.5 points of its float accuracy
    /// (measured: within 0.1; see Docs/Quantization.md).
    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func int8AccuracyStaysWithinHalfAPointOfFloat() throws {
        let (train, test) = Self.data!
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 100, optimizer: SGD(learningRate: 0.1), seed: 42)
        let trainer = try Trainer(network: network, train: train, test: nil, options: .init(epochs: 1, batchSize: 100, seed: 42))
        _ = try trainer.run()
        let calibration = try Network(spec: network.spec, maxBatch: 1000)
        for p in network.parameters { calibration.parameter(named: p.name)!.value.copy(from: p.value) }
        let ranges = ActivationRanges.measure(calibration, on: train, batches: 10, batchSize: 1000)
        let q = try QuantizedNetwork(model: Quantizer.quantize(calibration, ranges: ranges, calibration: "test"), maxBatch: 1000, threads: 2)
        var floatCorrect = 0, int8Correct = 0
        for start in stride(from: 0, to: test.count, by: 1000) {
            floatCorrect += calibration.correctCount(on: test, start: start, count: 1000)
            let logits = test.withSamples(start: start, count: 1000) { q.forward(bytes: $0, batch: 1000, scale: LabeledImages.pixelScale) }
            for r in 0..<1000 where Network.argmax(logits.pointer + r * 10, count: 10) == Int(test.labels[start + r]) { int8Correct += 1 }
        }
        let gap = abs(Double(floatCorrect - int8Correct)) / Double(test.count) * 100
        #expect(gap <= 0.5, "float \(floatCorrect), int8 \(int8Correct) of \(test.count)")
    }
}

/// After warm-up an int8 forward pass allocates nothing on the heap, at
/// batch 1 and a full batch, 1 and 2 threads (what an embedding caller and
/// the latency benchmark need).
@Suite("int8 inference allocates nothing after warm-up", .serialized,
       .enabled(if: sn_allocation_counting_available() != 0, "malloc is wrapped by a sanitizer"),
       .disabled(if: isDebugBuild, "unoptimized Swift allocates (boxed existentials, closure contexts): the promise is for release builds (swift test -c release)"))
struct QuantizedAllocationTests {
    @Test(arguments: [Preset.twoLayer, .simpleCNN, .deepCNN])
    func forwardMakesNoHeapAllocation(_ preset: Preset) throws {
        let spec = preset.spec()
        let data = randomLabeledImages(count: 64, shape: spec.inputShape, seed: 5)
        let network = try Network(spec: spec, maxBatch: 32, seed: 1)
        let ranges = ActivationRanges.measure(network, on: data, batches: 2, batchSize: 32)
        let q = try QuantizedNetwork(model: Quantizer.quantize(network, ranges: ranges, calibration: "test"), maxBatch: 32, threads: 2)
        let floats = [Float](repeating: 0.5, count: 32 * 784)
        for threads in [1, 2] {
            q.threads = threads
            var counts: [Int] = []
            counts.reserveCapacity(8)
            data.withSamples(start: 0, count: 32) { bytes in
                floats.withUnsafeBufferPointer { floats in
                    for step in 0..<8 {
                        let batch = step % 2 == 0 ? 1 : 32
                        if step >= 4 { sn_allocation_count_begin() }
                        _ = q.forward(bytes: bytes, batch: batch, scale: LabeledImages.pixelScale)
                        _ = q.forward(floats: floats.baseAddress!, batch: batch)
                        if step >= 4 { counts.append(sn_allocation_count_end()) }
                    }
                }
            }
            #expect(counts == [0, 0, 0, 0], "\(preset), \(threads) threads: heap allocations per forward \(counts)")
        }
    }
}
