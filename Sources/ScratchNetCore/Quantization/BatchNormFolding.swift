/// Inference-form BatchNorm folded into the Affine or Conv2D before it, so
/// that a network with BatchNorm quantizes like one without.
///
/// With `s_j = γ_j / √(σ²_j + ε)` per output channel j, the layer's weights
/// for channel j become `w·s_j` and its bias `(b_j − μ_j)·s_j + β_j`: the
/// same function in inference (running statistics), one layer fewer.
public enum BatchNormFolding {
    /// `spec` without its BatchNorm layers, and for each layer of that spec
    /// the layer of `spec` whose output it reproduces (a product's index
    /// maps to its BatchNorm's).
    ///
    /// Throws ``QuantizationError`` naming a BatchNorm that does not follow
    /// an Affine or Conv2D (there is no product to fold it into).
    public static func foldedSpec(_ spec: NetworkSpec) throws -> (spec: NetworkSpec, outputOf: [Int]) {
        var layers: [LayerSpec] = []
        var outputOf: [Int] = []
        for (i, layer) in spec.layers.enumerated() {
            guard layer == .batchNorm else {
                layers.append(layer); outputOf.append(i)
                continue
            }
            let before = i > 0 ? spec.layers[i - 1] : nil
            switch before {
            case .affine?, .conv2d?:
                outputOf[outputOf.count - 1] = i
            default:
                let what = before.map { "layer \(i - 1) is \($0)" } ?? "it is the first layer"
                throw QuantizationError("layer \(i) (batchnorm): only a BatchNorm right after an affine or conv layer can be folded for int8, and \(what)")
            }
        }
        var folded = spec
        folded.layers = layers
        return (folded, outputOf)
    }

    /// A float network that computes what `network` computes in inference,
    /// with every BatchNorm folded into the product before it (`network`
    /// itself is returned when it has none).
    /// - Parameter maxBatch: the largest batch the folded network will be fed.
    public static func fold(_ network: Network, maxBatch: Int? = nil, backend: Backend = .fast) throws -> Network {
        guard network.spec.layers.contains(.batchNorm) else { return network }
        let (spec, outputOf) = try foldedSpec(network.spec)
        let folded = try Network(spec: spec, maxBatch: maxBatch ?? network.maxBatch, backend: backend)
        for (f, o) in outputOf.enumerated() {
            let source = network.spec.layers[o] == .batchNorm ? o - 1 : o
            for name in ["weight", "bias"] {
                guard let to = folded.parameter(named: "layers.\(f).\(name)") else { continue }
                guard let from = network.parameter(named: "layers.\(source).\(name)"), from.value.count == to.value.count else {
                    throw QuantizationError("layer \(source): no \(name) parameter of \(to.value.count) values to fold into")
                }
                to.value.copy(from: from.value)
            }
            guard source != o, let bn = network.layers[o] as? BatchNorm,
                  let w = folded.parameter(named: "layers.\(f).weight"),
                  let b = folded.parameter(named: "layers.\(f).bias") else { continue }
            let isConv = if case .conv2d = spec.layers[f] { true } else { false }
            try scale(weight: w.value, bias: b.value, isConv: isConv, by: bn, of: network, layer: o)
        }
        return folded
    }

    /// Multiplies each output channel's weights and bias by BatchNorm `o`'s
    /// inference scale and adds its shift.
    private static func scale(weight w: Tensor, bias b: Tensor, isConv: Bool, by bn: BatchNorm, of network: Network, layer o: Int) throws {
        func values(_ name: String) throws -> [Float] {
            if let p = network.parameter(named: "layers.\(o).\(name)") { return p.value.toArray() }
            if let s = bn.persistentState.first(where: { $0.name == name }) { return s.tensor.toArray() }
            throw QuantizationError("layer \(o) (batchnorm): no \(name)")
        }
        let gamma = try values("gamma"), beta = try values("beta")
        let mean = try values("running_mean"), variance = try values("running_var")
        let outputs = b.count, inputs = w.count / outputs
        guard gamma.count == outputs, beta.count == outputs, mean.count == outputs, variance.count == outputs else {
            throw QuantizationError("layer \(o) (batchnorm): \(gamma.count) channels after a layer of \(outputs) outputs")
        }
        for j in 0..<outputs {
            let s = Double(gamma[j]) / (Double(variance[j]) + Double(bn.epsilon)).squareRoot()
            guard s.isFinite else {
                throw QuantizationError("layer \(o) (batchnorm): channel \(j) has running variance \(variance[j]); the fold is not finite")
            }
            for k in 0..<inputs {
                // A conv's weight is (filters, C·k·k); an affine's is (inputs, outputs).
                let index = isConv ? j * inputs + k : k * outputs + j
                w.pointer[index] = Float(Double(w.pointer[index]) * s)
            }
            b.pointer[j] = Float((Double(b.pointer[j]) - Double(mean[j])) * s + Double(beta[j]))
        }
    }
}
