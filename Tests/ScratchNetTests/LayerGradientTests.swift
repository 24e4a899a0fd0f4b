import Testing
import ScratchNet
import ScratchNetTestSupport

/// Every layer's backward against central differences.
@Suite("Layer gradients")
struct LayerGradientTests {
    @Test(arguments: Backend.allCases)
    func affineBackwardMatchesNumericalGradient(backend: Backend) throws {
        let layer = Affine(inputShape: Shape(1, 4, 5), outputs: 7, initializer: .xavier, kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 3)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
        #expect(report.parameters.keys.sorted() == ["bias", "weight"])
    }

    @Test(arguments: Backend.allCases)
    func reluBackwardMatchesNumericalGradient(backend: Backend) throws {
        // Inputs kept ≥ 0.05 away from the kink at 0 (h = 0.01 must not cross it).
        let layer = ReLU(inputShape: Shape(33), kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 4, inputRange: -1...1, kinkGap: 0.05)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test(arguments: Backend.allCases)
    func sigmoidBackwardMatchesNumericalGradient(backend: Backend) throws {
        let layer = Sigmoid(inputShape: Shape(2, 9), kernels: backend.kernels)
        let report = try LayerGradientCheck.check(layer, batch: 5, inputRange: -4...4)
        #expect(report.worst <= Tolerance.gradient, "\(report)")
    }

    @Test(arguments: Backend.allCases)
    func softmaxWithLossBackwardMatchesNumericalGradient(backend: Backend) throws {
        let classes = 7, batch = 5
        let head = SoftmaxWithLoss(classes: classes, kernels: backend.kernels)
        let arena = try Arena(capacity: 1 << 16)
        try head.bind(to: arena, maxBatch: batch)
        let logits = try arena.allocate(Shape(batch, classes), name: "logits")
        let labels = try arena.allocateInt32(count: batch, name: "labels")
        fillUniform(logits.pointer, count: logits.count, seed: 9, in: -3...3)
        for i in 0..<batch { labels[i] = Int32((i * 3) % classes) }
        _ = head.forward(logits, labels: labels.baseAddress!)
        let analytic = head.backward().toArray()
        let h: Float = 1e-2
        for i in 0..<logits.count {
            let original = logits.pointer[i]
            logits.pointer[i] = original + h
            let plus = head.forward(logits, labels: labels.baseAddress!)
            logits.pointer[i] = original - h
            let minus = head.forward(logits, labels: labels.baseAddress!)
            logits.pointer[i] = original
            let numeric = (plus - minus) / (2 * h)
            #expect(abs(numeric - analytic[i]) <= Tolerance.gradient * max(abs(numeric), 1e-2),
                    "entry \(i): numeric \(numeric), backprop \(analytic[i])")
        }
    }

    @Test(arguments: Backend.allCases)
    func wholeNetworkGradientCheckPasses(backend: Backend) throws {
        // Sigmoid keeps the function smooth; weight decay checks the λW term.
        let spec = NetworkSpec(inputShape: [1, 4, 4],
                               layers: [.affine(outputs: 9), .sigmoid, .affine(outputs: 8), .relu, .affine(outputs: 5)],
                               initializer: .xavier, weightDecay: 0.1)
        let network = try Network(spec: spec, maxBatch: 4, backend: backend, seed: 3)
        fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 11)
        for i in 0..<4 { network.labelBuffer[i] = Int32(i) }
        let results = GradientCheck.check(network, batch: 4, step: 1e-2, maxEntries: 100)
        #expect(results.map(\.parameter) == ["layers.0.weight", "layers.0.bias", "layers.2.weight",
                                             "layers.2.bias", "layers.4.weight", "layers.4.bias"])
        for r in results {
            #expect(r.maxRelativeError <= 5e-2 || r.maxAbsoluteError <= 1e-4, "\(r.parameter): \(r)")
        }
    }
}
