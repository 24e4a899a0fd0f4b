/// Post-training int8 quantization of a trained float network.
public enum Quantizer {
    /// The int8 model of `network` with activation ranges `ranges`
    /// (``ActivationRanges/measure(_:on:batches:batchSize:)``).
    ///
    /// Weights: per output channel, symmetric, scale max|w|/64, values in
    /// [-64, 64] (``QuantizedModel/weightLimit``). Activations: per tensor, asymmetric uint8 over the
    /// measured range (widened to hold 0). Biases: int32 in units of
    /// inputScale · weightScale.
    ///
    /// A BatchNorm right after an Affine or Conv2D is folded into it first
    /// (``BatchNormFolding``): the int8 model's spec is the folded one, its
    /// product's range the BatchNorm's output range.
    public static func quantize(_ network: Network, ranges: ActivationRanges, calibration: String) throws -> QuantizedModel {
        if network.spec.layers.contains(.batchNorm) {
            let (_, outputOf) = try BatchNormFolding.foldedSpec(network.spec)
            guard ranges.layers.count == network.spec.layers.count else {
                throw QuantizationError("\(ranges.layers.count) activation ranges for \(network.spec.layers.count) layers")
            }
            let folded = try BatchNormFolding.fold(network, maxBatch: 1)
            let remapped = ActivationRanges(input: ranges.input, layers: outputOf.map { ranges.layers[$0] })
            return try quantize(folded, ranges: remapped, calibration: calibration + "; BatchNorm folded into the layer before it")
        }
        let spec = network.spec
        let plan = try QuantizationPlan(spec: spec)
        let input = QuantizationParameters(min: ranges.input.lowerBound, max: ranges.input.upperBound)
        var current = input
        var layers: [Int: QuantizedModel.Layer] = [:]
        var activations: [Int: QuantizationParameters] = [:]
        for (s, step) in plan.steps.enumerated() {
            switch step {
            case let .product(index, relu, output):
                guard let w = network.parameter(named: "layers.\(index).weight"),
                      let b = network.parameter(named: "layers.\(index).bias") else {
                    throw QuantizationError("layer \(index): no weight or bias parameter")
                }
                let outputs = b.value.count, inputs = w.value.count / outputs
                let isConv = if case .conv2d = spec.layers[index] { true } else { false }
                // Row j of the (outputs, inputs) matrix: a conv's filter j, an affine's column j.
                func weight(_ j: Int, _ k: Int) -> Float {
                    isConv ? w.value.pointer[j * inputs + k] : w.value.pointer[k * outputs + j]
                }
                var q = [Int8](repeating: 0, count: outputs * inputs)
                var scales = [Float](repeating: 1, count: outputs)
                var bias = [Int32](repeating: 0, count: outputs)
                for j in 0..<outputs {
                    var m: Float = 0
                    for k in 0..<inputs { m = max(m, abs(weight(j, k))) }
                    let limit = Float(QuantizedModel.weightLimit)
                    let scale = m > 0 ? m / limit : 1
                    scales[j] = scale
                    for k in 0..<inputs {
                        q[j * inputs + k] = Int8(max(-limit, min(limit, (weight(j, k) / scale).rounded(.toNearestOrEven))))
                    }
                    let bq = (Double(b.value.pointer[j]) / (Double(current.scale) * Double(scale))).rounded()
                    bias[j] = Int32(max(-Double(QuantizedModel.biasLimit), min(Double(QuantizedModel.biasLimit), bq)))
                }
                layers[index] = QuantizedModel.Layer(outputs: outputs, inputs: inputs, weights: q,
                                                     weightScales: scales, bias: bias)
                if s < plan.steps.count - 1 {
                    let r = ranges.layers[output]
                    current = QuantizationParameters(min: relu ? 0 : r.lowerBound, max: r.upperBound)
                    activations[output] = current
                }
            case .maxPool:
                break
            case let .table(index):
                let r = ranges.layers[index]
                current = QuantizationParameters(min: r.lowerBound, max: r.upperBound)
                activations[index] = current
            }
        }
        return try QuantizedModel(spec: spec, input: input, layers: layers, activations: activations,
                                  calibration: calibration)
    }
}

extension QuantizedModel {
    /// The largest |bias| stored (sums stay inside int32; see ckernels.h).
    public static let biasLimit: Int32 = 1 << 29

    /// The largest |weight| the quantizer writes. AVX2's vpmaddubsw sums
    /// two u8 × s8 products into a saturating int16: 255·64·2 = 32,640
    /// fits, 255·127·2 does not. Weights in half the int8 range let every
    /// AVX2 CPU run the fast path with the exact integers of the others,
    /// as onnxruntime's reduce_range does on CPUs without VNNI. Files with
    /// weights up to ±127 still load and run, on the widening path.
    public static let weightLimit: Int8 = 64
}
