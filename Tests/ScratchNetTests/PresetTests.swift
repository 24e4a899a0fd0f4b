import Testing
import ScratchNet
import ScratchNetTestSupport
#if canImport(Foundation)
import Foundation
#endif

/// The convolutional presets, the MultiLayerNetExtend-style builder, shape
/// errors found at build time, and the spec's file encoding.
@Suite("Presets and network shapes", .serialized)
struct PresetTests {
    static let data: (train: LabeledImages, test: LabeledImages)? = try? MNISTFormat.load(directory: MNISTFormat.defaultDirectory)

    func parameterShapes(_ spec: NetworkSpec) throws -> [String: String] {
        let network = try Network(spec: spec, maxBatch: 2)
        return Dictionary(uniqueKeysWithValues: network.parameters.map { ($0.name, $0.value.shape.description) })
    }

    @Test func simpleCNNHasTheBooksShapes() throws {
        let shapes = try parameterShapes(Preset.simpleCNN.spec())
        #expect(shapes == ["layers.0.weight": "30×1×5×5", "layers.0.bias": "30",
                           "layers.3.weight": "4320×100", "layers.3.bias": "100",
                           "layers.5.weight": "100×10", "layers.5.bias": "10"])
    }

    @Test func deepCNNHasTheBooksShapes() throws {
        let spec = Preset.deepCNN.spec()
        let shapes = try parameterShapes(spec)
        // The book's W1..W8: conv 16,16,32,32,64,64 then 1024×50 and 50×10.
        #expect(shapes["layers.0.weight"] == "16×1×3×3")
        #expect(shapes["layers.2.weight"] == "16×16×3×3")
        #expect(shapes["layers.5.weight"] == "32×16×3×3")
        #expect(shapes["layers.7.weight"] == "32×32×3×3")
        #expect(shapes["layers.10.weight"] == "64×32×3×3")
        #expect(shapes["layers.12.weight"] == "64×64×3×3")
        #expect(shapes["layers.15.weight"] == "1024×50")
        #expect(shapes["layers.18.weight"] == "50×10")
        #expect(spec.layers.filter { $0 == .dropout(ratio: 0.5) }.count == 1)
        #expect(spec.layers.last == .affine(outputs: 10))
    }

    @Test func multiLayerBuilderPutsBatchNormBeforeAndDropoutAfterTheActivation() {
        let spec = Preset.mlp.spec(hidden: [50, 40], activation: .tanh, initializer: .xavier,
                                   weightDecay: 0.01, batchNorm: true, dropout: 0.2)
        #expect(spec.layers == [.affine(outputs: 50), .batchNorm, .tanh, .dropout(ratio: 0.2),
                                .affine(outputs: 40), .batchNorm, .tanh, .dropout(ratio: 0.2),
                                .affine(outputs: 10)])
        #expect(spec.preset == "mlp" && spec.weightDecay == 0.01 && spec.initializer == .xavier)
        // The old call still gives the old network.
        #expect(Preset.twoLayer.spec().layers == [.affine(outputs: 100), .relu, .affine(outputs: 10)])
    }

    @Test func batchNormAndDropoutNetworkGradientsMatchNumerical() throws {
        // Dropout ratio 0 keeps the loss deterministic between the check's forwards.
        let spec = NetworkSpec(inputShape: [2, 6, 6], layers: [
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: 1), .batchNorm, .tanh,
            .maxPool(size: 2, stride: 2), .flatten,
            .affine(outputs: 7), .batchNorm, .sigmoid, .dropout(ratio: 0), .affine(outputs: 4),
        ], initializer: .xavier, weightDecay: 0.05)
        let network = try Network(spec: spec, maxBatch: 5, seed: 2)
        fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 3)
        for i in 0..<5 { network.labelBuffer[i] = Int32(i % 4) }
        let results = GradientCheck.check(network, batch: 5, step: 3e-3, maxEntries: 60)
        #expect(results.count == 10)
        for r in results {
            #expect(r.maxRelativeError <= 5e-2 || r.maxAbsoluteError <= 1e-4, "\(r.parameter): \(r)")
        }
    }

    @Test func specsWithTheNewLayersRoundTripThroughJSON() throws {
        let spec = Preset.deepCNN.spec()
        let decoded = try JSONDecoder().decode(NetworkSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
        let mlp = Preset.mlp.spec(activation: .tanh, batchNorm: true, dropout: 0.3)
        #expect(try JSONDecoder().decode(NetworkSpec.self, from: JSONEncoder().encode(mlp)) == mlp)
        // The original cases keep their encoding.
        let old = String(decoding: try JSONEncoder().encode([LayerSpec.affine(outputs: 3), .relu]), as: UTF8.self)
        #expect(old == #"[{"affine":{"outputs":3}},{"relu":{}}]"#)
    }

    func buildError(_ input: [Int], _ layers: [LayerSpec]) -> String? {
        do {
            _ = try Network(spec: NetworkSpec(inputShape: input, layers: layers), maxBatch: 1)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func shapeMistakesThrowWhenTheNetworkIsBuilt() {
        #expect(buildError([1, 4, 4], [.conv2d(filters: 2, kernel: 5), .affine(outputs: 2)])
                == "network: layer 0 (conv5x5(2, stride 1, pad 0)): kernel 5×5 exceeds the padded input 4×4 (input 1×4×4, padding 0)")
        #expect(buildError([1, 4, 4], [.conv2d(filters: 2, kernel: 5, padding: 1), .affine(outputs: 2)]) == nil)
        #expect(buildError([1, 8, 8], [.conv2d(filters: 4, kernel: 3), .maxPool(size: 7, stride: 7), .affine(outputs: 2)])
                == "network: layer 1 (maxpool7x7(stride 7, pad 0)): window 7×7 exceeds the padded input 6×6 (input 4×6×6, padding 0)")
        #expect(buildError([784], [.conv2d(filters: 4, kernel: 3), .affine(outputs: 2)])
                == "network: layer 0 (conv3x3(4, stride 1, pad 0)): needs an image input (channels, height, width), got 784")
        #expect(buildError([1, 28, 28], [.affine(outputs: 10), .maxPool(size: 2, stride: 2)])
                == "network: layer 1 (maxpool2x2(stride 2, pad 0)): needs an image input (channels, height, width), got 10")
        #expect(buildError([1, 6, 6], [.maxPool(size: 2, stride: 2, padding: 2), .affine(outputs: 2)])
                == "network: layer 0 (maxpool2x2(stride 2, pad 2)): padding 2 is more than half the window 2×2")
        #expect(buildError([3, 5], [.batchNorm, .affine(outputs: 2)])
                == "network: layer 0 (batchnorm): needs features (D) or an image (channels, height, width), got 3×5")
        #expect(buildError([10], [.dropout(ratio: 1), .affine(outputs: 2)])
                == "network: layer 0 (dropout(1.0)): ratio must be in [0, 1), got 1.0")
        #expect(buildError([1, 8, 8], [.conv2d(filters: 0, kernel: 3), .affine(outputs: 2)])
                == "network: layer 0 (conv3x3(0, stride 1, pad 0)): filters, kernel and stride must be > 0 and padding >= 0")
    }

    @Test func fastAndNaiveBackendsAgreeOnAConvolutionalNetwork() throws {
        let spec = NetworkSpec(inputShape: [3, 9, 8], layers: [
            .conv2d(filters: 5, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu,
            .maxPool(size: 3, stride: 2, padding: 1), .conv2d(filters: 4, kernel: 2, stride: 2), .tanh,
            .flatten, .affine(outputs: 6), .dropout(ratio: 0.3), .affine(outputs: 3),
        ])
        var results: [[[Float]]] = []
        for backend in Backend.allCases {
            let network = try Network(spec: spec, maxBatch: 4, backend: backend, seed: 8)
            fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 9)
            for i in 0..<4 { network.labelBuffer[i] = Int32(i % 3) }
            _ = network.loss(batch: 4, training: true)
            network.backward()
            results.append([network.forward(batch: 4, training: false).toArray()] + network.parameters.map { $0.gradient.toArray() })
        }
        // Summation order is the only difference; sums here have < 100 terms.
        for (f, n) in zip(results[0], results[1]) {
            let worst = zip(f, n).map { abs($0 - $1) / max(abs($0), abs($1), 1e-2) }.max() ?? 0
            #expect(worst <= 1e-3, "fast and naive differ by \(worst)")
        }
    }

    @Test func batchNormRunningStatisticsAreUsedAtInference() throws {
        let spec = NetworkSpec(inputShape: [6], layers: [.batchNorm, .affine(outputs: 3)])
        let network = try Network(spec: spec, maxBatch: 8, seed: 1)
        fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 4, in: 2...4)
        let bn = network.layers[0]
        for _ in 0..<60 { _ = bn.forward(network.inputBuffer, training: true) }
        // After 60 steps at momentum 0.9 the running statistics are the batch's
        // (0.9⁶⁰ ≈ 0.002 of the zero start is left), so inference ≈ training.
        let train = bn.forward(network.inputBuffer, training: true).toArray()
        let infer = bn.forward(network.inputBuffer, training: false).toArray()
        let worst = zip(train, infer).map { abs($0 - $1) }.max()!
        #expect(worst < 0.02, "inference differs from training by \(worst)")
    }

    @Test(.enabled(if: data != nil, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"))
    func simpleCNNTrainsOnTenThousandFashionMNISTSamples() throws {
        let (train, test) = Self.data!
        let network = try Network(spec: Preset.simpleCNN.spec(), maxBatch: 100, optimizer: SGD(learningRate: 0.1), seed: 42)
        let trainer = try Trainer(network: network, train: train.subset(0..<10_000), test: test,
                                  options: .init(epochs: 1, batchSize: 100, seed: 42))
        let history = try trainer.run()
        let accuracy = try #require(history.last?.testAccuracy)
        // Measured: 0.789 on the full test set with this seed (0.756 with seed 7); std-0.01
        // init (the book's) reaches only 0.40–0.53 after this one epoch, hence He.
        #expect(accuracy >= 0.72, "test accuracy \(accuracy)")
    }
}
