import ScratchNetCore

/// The `gradient-check` demo (ch. 5 and ch. 7 `gradient_check.py`):
/// backpropagation against central-difference numerical gradients, per
/// parameter, for
/// - the two-layer net 784-50-10 (affine, ReLU, affine) on 3 images, and
/// - a small SimpleConvNet on one random 1×10×10 input: conv 10 filters 3×3
///   → ReLU → max-pool 2 → affine 10 → ReLU → affine 10, label 1.
///
/// The book checks in float64 with h = 1e-4 and prints mean absolute
/// differences. Here everything is float32, so h must be ~1e-2 (a smaller
/// step drowns in the loss's rounding), and a step that large often
/// straddles a ReLU kink or a max-pool near-tie: there the difference
/// quotient averages two slopes and disagrees with backprop by ~50%,
/// though backprop is right (``GradientCheck/check(_:batch:step:maxEntries:floor:)``
/// reports exactly those maxima). So each entry's second difference
/// f(w+h) + f(w−h) − 2f(w) is compared with its first difference
/// f(w+h) − f(w−h): on a smooth stretch it is smaller by a factor ~h, across
/// a kink at distance d it is s·(h − d) for a slope jump s, and the ratio of
/// the two is exactly the error the kink puts into the difference quotient.
/// The demo reports the largest relative error over the smooth entries and
/// how many entries sat at a kink.
///
/// The book also starts both nets from std 0.01 weights, whose first-layer
/// gradients (~1e-6) are below float32 difference noise; He initialization
/// gives gradients a float32 check can see.
public enum GradientCheckDemo {
    public struct ParameterCheck: Sendable {
        public var parameter: String
        public var checkedEntries: Int
        /// Entries whose second difference says a kink is within the step.
        public var kinkEntries: Int
        /// Largest |backprop − numeric| / max(|backprop|, |numeric|, floor)
        /// over the other entries.
        public var maxRelativeError: Float
        /// Largest |backprop − numeric| over the other entries.
        public var maxAbsoluteError: Float
        /// The largest relative error over all entries, kinks included.
        public var maxRelativeErrorWithKinks: Float
    }

    public struct NetworkCheck: Sendable {
        public var network: String
        public var parameters: [ParameterCheck]
        public var worstRelativeError: Float { parameters.map(\.maxRelativeError).max() ?? 0 }
    }

    /// The two-layer net's spec for 28×28 images.
    public static let twoLayerSpec = NetworkSpec.multiLayer(inputShape: [1, 28, 28], hidden: [50], outputs: 10)
    /// The ch. 7 check's SimpleConvNet for 1×10×10 inputs.
    public static let convSpec = NetworkSpec(inputShape: [1, 10, 10], layers: [
        .conv2d(filters: 10, kernel: 3), .relu, .maxPool(size: 2, stride: 2),
        .affine(outputs: 10), .relu, .affine(outputs: 10),
    ])

    /// - Parameters:
    ///   - images: 28×28 images whose first three the two-layer net is
    ///     checked on (the book uses the first three training images); nil
    ///     checks it on three images of uniform random pixels instead.
    ///   - maxEntries: entries checked per parameter (spread evenly); each
    ///     costs two forward passes.
    ///   - step: the central-difference step h.
    ///   - floor: denominators below this are raised to it, so entries with
    ///     near-zero gradients are judged by absolute error.
    ///   - kinkTolerance: an entry counts as a kink when its second
    ///     difference exceeds this fraction of its first difference (of
    ///     2h·floor when that is larger): the error a kink can add to the
    ///     kept entries' quotients.
    public static func run(images: LabeledImages?, maxEntries: Int = 200, step: Float = 1e-2, floor: Float = 1e-3,
                           kinkTolerance: Float = 0.05, seed: UInt64 = 1) throws -> [NetworkCheck] {
        var rng = SeededGenerator(seed: seed ^ 0x6AD1_E27C_0000_0005)

        let twoLayer = try Network(spec: twoLayerSpec, maxBatch: 3, seed: seed)
        if let images {
            guard images.sampleShape == twoLayerSpec.inputShape, images.count >= 3 else {
                throw TrainingError.invalidOption("the gradient check needs at least 3 images of shape \(twoLayerSpec.inputShape), got \(images.count) of \(images.sampleShape) from \(images.source)")
            }
            images.fillBatch(start: 0, count: 3, into: twoLayer.inputBuffer, labels: twoLayer.labelBuffer, kernels: twoLayer.kernels)
        } else {
            fillUniform(twoLayer.inputBuffer, using: &rng)
            for i in 0..<3 { twoLayer.labelBuffer[i] = Int32(rng.nextInt(below: 10)) }
        }

        let conv = try Network(spec: convSpec, maxBatch: 1, seed: seed)
        fillUniform(conv.inputBuffer, using: &rng)
        conv.labelBuffer[0] = 1

        func check(_ network: Network, batch: Int) -> [ParameterCheck] {
            checkEntries(network, batch: batch, maxEntries: maxEntries, step: step, floor: floor, kinkTolerance: kinkTolerance)
        }
        return [
            NetworkCheck(network: "two-layer 784-50-10 on 3 images", parameters: check(twoLayer, batch: 3)),
            NetworkCheck(network: "simple conv net, 1×10×10 input, 10 filters 3×3, hidden 10", parameters: check(conv, batch: 1)),
        ]
    }

    /// Checks every parameter of `network` on the first `batch` samples in
    /// its buffers (parameters as in ``run(images:maxEntries:step:floor:kinkTolerance:seed:)``).
    /// - Parameter claimed: gradients to judge, one array per parameter, in
    ///   place of the network's own backprop (nil): lets a test show that a
    ///   wrong gradient fails the check.
    public static func checkEntries(_ network: Network, batch: Int, maxEntries: Int = 200, step: Float = 1e-2,
                                    floor: Float = 1e-3, kinkTolerance: Float = 0.05,
                                    claimed: [[Float]]? = nil) -> [ParameterCheck] {
        precondition(claimed == nil || claimed!.map(\.count) == network.parameters.map(\.value.count),
                     "GradientCheckDemo: claimed gradients must match the parameters' sizes")
        let base = Double(network.loss(batch: batch, training: true))
        network.backward()
        return network.parameters.enumerated().map { index, p in
            let analytic = claimed?[index] ?? p.gradient.toArray()
            let count = p.value.count
            func lossesAround(_ i: Int) -> (plus: Double, minus: Double) {
                let original = p.value.pointer[i]
                p.value.pointer[i] = original + step
                let plus = Double(network.loss(batch: batch, training: true))
                p.value.pointer[i] = original - step
                let minus = Double(network.loss(batch: batch, training: true))
                p.value.pointer[i] = original
                return (plus, minus)
            }
            var result = ParameterCheck(parameter: p.name, checkedEntries: 0, kinkEntries: 0, maxRelativeError: 0,
                                        maxAbsoluteError: 0, maxRelativeErrorWithKinks: 0)
            for i in stride(from: 0, to: count, by: max(1, count / maxEntries)) {
                let (plus, minus) = lossesAround(i)
                let numeric = Float((plus - minus) / (2 * Double(step)))
                let g = analytic[i]
                let error = abs(numeric - g)
                let relative = error / max(abs(numeric), abs(g), floor)
                result.checkedEntries += 1
                result.maxRelativeErrorWithKinks = max(result.maxRelativeErrorWithKinks, relative)
                let second = abs(plus + minus - 2 * base)
                if second > Double(kinkTolerance) * max(abs(plus - minus), 2 * Double(step * floor)) {
                    result.kinkEntries += 1
                } else {
                    result.maxRelativeError = max(result.maxRelativeError, relative)
                    result.maxAbsoluteError = max(result.maxAbsoluteError, error)
                }
            }
            return result
        }
    }

    /// Uniform [0, 1) values, like the book's `np.random.rand`.
    static func fillUniform(_ tensor: Tensor, using rng: inout SeededGenerator) {
        for i in 0..<tensor.count { tensor.pointer[i] = Float(rng.nextUniform()) }
    }

    public static func report(_ checks: [NetworkCheck]) -> [String] {
        checks.flatMap { check -> [String] in
            ["\(check.network): backprop vs numerical, max relative (absolute) error per parameter"]
                + check.parameters.map {
                    "  \($0.parameter): \($0.maxRelativeError) (\($0.maxAbsoluteError)) over \($0.checkedEntries - $0.kinkEntries) of \($0.checkedEntries) entries"
                        + ($0.kinkEntries == 0 ? "" : "; \($0.kinkEntries) at a ReLU/max-pool kink, worst there \($0.maxRelativeErrorWithKinks)")
                }
        }
    }
}
