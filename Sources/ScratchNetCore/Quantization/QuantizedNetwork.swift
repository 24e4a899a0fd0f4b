#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// An int8 model ready to run: packed weights, biases with the input zero
/// point folded in, output-stage multipliers and every buffer for `maxBatch`
/// samples, all allocated once here. A forward pass allocates nothing.
///
/// Steps (``QuantizationPlan``): bytes in, each product's output stage
/// writing the next layer's bytes (or, for the last, float logits).
public final class QuantizedNetwork {
    public let model: QuantizedModel
    public let maxBatch: Int
    public let kernels: any Int8Kernels
    public var classes: Int { model.plan.shapes.last!.reduce(1, *) }
    public var sampleShape: [Int] { model.spec.inputShape }
    public var sampleSize: Int { model.spec.inputShape.reduce(1, *) }

    /// The most threads a kernel call may use (>= 1); growing it past the
    /// count the network was built for reallocates the conv scratch once.
    public var threads: Int {
        get { threadCount }
        set {
            precondition(newValue >= 1, "QuantizedNetwork: threads must be >= 1, got \(newValue)")
            threadCount = newValue
            (kernels as? FastInt8Kernels)?.threads = newValue
            reserveScratch(threads: newValue)
        }
    }
    private var threadCount: Int

    private enum Op {
        case product(Product)
        case maxPool(WindowGeometry)
        case table(UnsafeMutablePointer<UInt8>, count: Int)
    }

    private final class Product {
        let weights: Int8Weights
        let bias: UnsafeMutablePointer<Int32>
        let scale: UnsafeMutablePointer<Float>
        let conv: (geometry: WindowGeometry, filters: Int)?
        let outputBytes: QuantizationParameters?
        let relu: Bool
        let outputs: Int
        let inputs: Int
        let inputZeroPoint: Int
        let rowsBuffer: UnsafeMutablePointer<Int8>
        let packedBuffer: UnsafeMutablePointer<Int8>

        init(layer: QuantizedModel.Layer, input: QuantizationParameters, output: QuantizationParameters?, relu: Bool,
             conv: (WindowGeometry, Int)?, kernels: any Int8Kernels) {
            outputs = layer.outputs
            inputs = layer.inputs
            let rows = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, layer.weights.count))
            layer.weights.withUnsafeBufferPointer { rows.update(from: $0.baseAddress!, count: $0.count) }
            rowsBuffer = rows
            let packedBytes = kernels.packedWeightBytes(outputs: outputs, inputs: inputs)
            packedBuffer = .allocate(capacity: max(64, packedBytes))
            kernels.packWeights(rowsBuffer, outputs: outputs, inputs: inputs, into: packedBuffer)
            weights = Int8Weights(outputs: outputs, inputs: inputs, rows: rowsBuffer, packed: packedBuffer)
            bias = .allocate(capacity: max(16, outputs + 16))
            scale = .allocate(capacity: max(16, outputs + 16))
            for j in 0..<outputs {
                var rowSum: Int64 = 0
                for k in 0..<inputs { rowSum += Int64(layer.weights[j * inputs + k]) }
                let limit = Int64(1) << 30
                bias[j] = Int32(max(-limit, min(limit, Int64(layer.bias[j]) - Int64(input.zeroPoint) * rowSum)))
                let real = Double(input.scale) * Double(layer.weightScales[j])
                scale[j] = Float(output.map { real / Double($0.scale) } ?? real)
            }
            self.conv = conv.map { (geometry: $0.0, filters: $0.1) }
            self.outputBytes = output
            self.relu = relu
            self.inputZeroPoint = Int(input.zeroPoint)
        }

        deinit {
            rowsBuffer.deallocate(); packedBuffer.deallocate(); bias.deallocate(); scale.deallocate()
        }
    }

    private let ops: [Op]
    private let input: UnsafeMutablePointer<UInt8>
    private let buffers: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>)
    private let logits: UnsafeMutablePointer<Float>
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchBytes: Int

    /// - Parameters:
    ///   - kernels: the int8 kernels (default: the C ones, best path for the CPU).
    public init(model: QuantizedModel, maxBatch: Int, threads: Int = 1, kernels: (any Int8Kernels)? = nil) throws {
        precondition(maxBatch >= 1 && threads >= 1, "QuantizedNetwork: maxBatch and threads must be >= 1")
        try Network.checkBatch(maxBatch, spec: model.spec)
        self.model = model
        self.maxBatch = maxBatch
        self.threadCount = threads
        let kernels = kernels ?? FastInt8Kernels(threads: threads)
        self.kernels = kernels
        var ops: [Op] = []
        var current = model.input
        var largest = 1
        let spec = model.spec
        for (s, step) in model.plan.steps.enumerated() {
            switch step {
            case let .product(index, relu, output):
                guard let layer = model.layers[index] else { throw QuantizationError("layer \(index): no int8 weights") }
                let out = s < model.plan.steps.count - 1 ? model.activations[output] : nil
                var conv: (WindowGeometry, Int)?
                if case let .conv2d(filters, kernel, stride, padding) = spec.layers[index] {
                    let x = model.inputShape(of: index)
                    conv = (WindowGeometry(batch: maxBatch, channels: x[0], height: x[1], width: x[2], kernelHeight: kernel,
                                           kernelWidth: kernel, stride: stride, padding: padding), filters)
                }
                ops.append(.product(Product(layer: layer, input: current, output: out, relu: relu, conv: conv, kernels: kernels)))
                if let out { current = out }
            case let .maxPool(index):
                guard case let .maxPool(size, stride, padding) = spec.layers[index] else { continue }
                let x = model.inputShape(of: index)
                ops.append(.maxPool(WindowGeometry(batch: maxBatch, channels: x[0], height: x[1], width: x[2], kernelHeight: size,
                                                   kernelWidth: size, stride: stride, padding: padding)))
            case let .table(index):
                guard let out = model.activations[index] else { throw QuantizationError("layer \(index): no output range") }
                let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
                for q in 0..<256 {
                    let x = current.dequantize(UInt8(q))
                    let y: Float = switch spec.layers[index] {
                    case .sigmoid: 1 / (1 + Float(Glibc.exp(Double(-x))))
                    case .tanh: Float(Glibc.tanh(Double(x)))
                    default: max(x, 0)
                    }
                    table[q] = out.quantize(y)
                }
                ops.append(.table(table, count: model.plan.shapes[index].reduce(1, *)))
                current = out
            }
            if let shape = Self.stepOutputShape(step, model) { largest = max(largest, shape.reduce(1, *)) }
        }
        self.ops = ops
        input = .allocate(capacity: maxBatch * model.spec.inputShape.reduce(1, *) + 64)
        buffers = (.allocate(capacity: maxBatch * largest + 64), .allocate(capacity: maxBatch * largest + 64))
        logits = .allocate(capacity: maxBatch * model.plan.shapes.last!.reduce(1, *))
        scratch = .allocate(capacity: 64)
        scratchBytes = 0
        reserveScratch(threads: threads)
    }

    private static func stepOutputShape(_ step: QuantizationPlan.Step, _ model: QuantizedModel) -> [Int]? {
        switch step {
        case let .product(_, _, output): model.plan.shapes[output]
        case let .maxPool(index), let .table(index): model.plan.shapes[index]
        }
    }

    private func reserveScratch(threads: Int) {
        var need = 64
        for case let .product(p) in ops {
            if let conv = p.conv {
                need = max(need, kernels.quantizedConvolutionScratchBytes(geometry: conv.geometry, filters: conv.filters, threads: threads))
            }
        }
        guard need > scratchBytes else { return }
        scratch.deallocate()
        scratch = .allocate(capacity: need)
        scratchBytes = need
    }

    deinit {
        input.deallocate(); buffers.0.deallocate(); buffers.1.deallocate(); logits.deallocate(); scratch.deallocate()
        for case let .table(t, _) in ops { t.deallocate() }
    }

    /// Logits (batch, classes) for `batch` float samples at `samples`
    /// (quantized with the model's input parameters).
    public func forward(floats samples: UnsafePointer<Float>, batch: Int) -> Tensor {
        precondition(batch >= 1 && batch <= maxBatch, "QuantizedNetwork: batch \(batch) not in 1...\(maxBatch)")
        kernels.quantize(samples, into: input, count: batch * sampleSize,
                         inverseScale: 1 / model.input.scale, zeroPoint: Int(model.input.zeroPoint))
        return run(UnsafePointer(input), batch: batch)
    }

    /// Logits for `batch` byte samples (each byte × `scale` is the float
    /// value): read in place when the model's input parameters are exactly
    /// that scale with zero point 0 (images / 255), else converted.
    public func forward(bytes: UnsafePointer<UInt8>, batch: Int, scale: Float) -> Tensor {
        precondition(batch >= 1 && batch <= maxBatch, "QuantizedNetwork: batch \(batch) not in 1...\(maxBatch)")
        if model.input == QuantizationParameters(scale: scale, zeroPoint: 0) { return run(bytes, batch: batch) }
        for i in 0..<(batch * sampleSize) { input[i] = model.input.quantize(Float(bytes[i]) * scale) }
        return run(UnsafePointer(input), batch: batch)
    }

    private func run(_ x: UnsafePointer<UInt8>, batch: Int) -> Tensor {
        var current = x
        var flip = false
        let last = ops.count - 1
        for (s, op) in ops.enumerated() {
            let out = flip ? buffers.1 : buffers.0
            switch op {
            case let .product(p):
                let destination: QuantizedOutputStage.Destination = if let b = p.outputBytes {
                    .bytes(out, zeroPoint: b.zeroPoint, lowest: p.relu ? b.zeroPoint : 0)
                } else {
                    .floats(logits, relu: p.relu)
                }
                if let conv = p.conv {
                    let stage = QuantizedOutputStage(bias: p.bias, scale: p.scale, destination: destination, rowStride: 0, columnStride: 0)
                    kernels.quantizedConvolution(current, zeroPoint: p.inputZeroPoint, weights: p.weights, output: stage,
                                                 scratch: scratch, geometry: conv.geometry.withBatch(batch), filters: conv.filters)
                } else {
                    let stage = QuantizedOutputStage(bias: p.bias, scale: p.scale, destination: destination,
                                                     rowStride: p.outputs, columnStride: 1)
                    kernels.quantizedProduct(m: batch, n: p.outputs, k: p.inputs, a: current, lda: p.inputs,
                                             weights: p.weights, output: stage)
                }
                if s == last { return Tensor(pointer: logits, shape: Shape(batch, classes)) }
            case let .maxPool(g):
                kernels.maxPool(current, into: out, geometry: g.withBatch(batch))
            case let .table(table, count):
                kernels.lookup(current, into: out, count: batch * count, table: table)
            }
            current = UnsafePointer(out)
            flip.toggle()
        }
        preconditionFailure("QuantizedNetwork: the plan ends with a product")
    }
}
