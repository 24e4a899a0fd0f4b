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
///
/// Images are kept channels last (NHWC) from the first convolution on: a
/// window row is then one contiguous byte run (im2col is FH copies per
/// pixel), the product's (pixel, filter) rows are the next layer's bytes as
/// they are, and pooling works on whole channel runs. Conv weights are
/// stored (fh, fw, c) and an affine layer reading such an image has its
/// columns permuted to (h, w, c) at load; the integer sums are the same, so
/// the logits are those of the NCHW network bit for bit. A 2×2, stride-2
/// max pooling right after a convolution runs inside it
/// (``Int8Kernels/quantizedConvolutionChannelsLastPooled(_:zeroPoint:weights:output:scratch:geometry:filters:)``):
/// only each window's largest sum goes through the output stage, and the
/// unpooled image is never written.
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
        case maxPoolChannelsLast(WindowGeometry)
        /// (channels, pixels) per sample → (pixels, channels).
        case toChannelsLast(channels: Int, pixels: Int)
        case table(UnsafeMutablePointer<UInt8>, count: Int)
    }

    private final class Product {
        let weights: Int8Weights
        let bias: UnsafeMutablePointer<Int32>
        let scale: UnsafeMutablePointer<Float>
        let conv: (geometry: WindowGeometry, filters: Int)?
        /// A 2×2, stride-2 max pooling follows the convolution and runs inside it.
        let pooled: Bool
        let outputBytes: QuantizationParameters?
        let relu: Bool
        let outputs: Int
        let inputs: Int
        let inputZeroPoint: Int
        let rowsBuffer: UnsafeMutablePointer<Int8>
        let packedBuffer: UnsafeMutablePointer<Int8>

        /// - Parameter columns: when given, column k of the stored weights
        ///   is column columns[k] of the layer's (a layout change).
        init(layer: QuantizedModel.Layer, input: QuantizationParameters, output: QuantizationParameters?, relu: Bool,
             conv: (WindowGeometry, Int)?, pooled: Bool = false, columns: [Int]?, kernels: any Int8Kernels) {
            outputs = layer.outputs
            inputs = layer.inputs
            let rows = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, layer.weights.count))
            layer.weights.withUnsafeBufferPointer { rows.update(from: $0.baseAddress!, count: $0.count) }
            if let columns {
                for j in 0..<layer.outputs {
                    for k in 0..<layer.inputs { rows[j * layer.inputs + k] = layer.weights[j * layer.inputs + columns[k]] }
                }
            }
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
            self.pooled = pooled
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
    /// Samples that go through every layer together (see ``chunkBytes``).
    private let chunk: Int

    /// Bytes of one layer's output a chunk of samples may take. A batch runs
    /// through the network in chunks, so that a convolution's output is
    /// still in L2 (512 KB on the CPUs measured) when the pooling after it
    /// reads it, rather than 17 MB of simple-cnn activations for a batch of
    /// 1000 going out to memory and back. At least 16 samples go together,
    /// so that an affine layer's weights are read once for 16 rows or more.
    /// Samples are independent and the sums exact: the chunking changes no
    /// bit. Measure: `scratchnet eval --model <int8 simple-cnn> --batch-size 1000`.
    static let chunkBytes = 256 * 1024

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
        let spec = model.spec
        var largest = spec.inputShape.reduce(1, *)
        // The (C, H, W) shape whose channels-last form the bytes hold; nil
        // while they are in the float network's order (NCHW or flat).
        var channelsLastShape: [Int]?
        // A maxPool step already run inside the convolution before it.
        var poolFused = false
        for (s, step) in model.plan.steps.enumerated() {
            var materialized = true
            switch step {
            case let .product(index, relu, output):
                guard let layer = model.layers[index] else { throw QuantizationError("layer \(index): no int8 weights") }
                let out = s < model.plan.steps.count - 1 ? model.activations[output] : nil
                var conv: (WindowGeometry, Int)?
                var columns: [Int]?
                let x = model.inputShape(of: index)
                if case let .conv2d(filters, kernel, stride, padding) = spec.layers[index] {
                    conv = (WindowGeometry(batch: maxBatch, channels: x[0], height: x[1], width: x[2], kernelHeight: kernel,
                                           kernelWidth: kernel, stride: stride, padding: padding), filters)
                    if channelsLastShape == nil && x[0] > 1 && x[1] * x[2] > 1 {
                        ops.append(.toChannelsLast(channels: x[0], pixels: x[1] * x[2]))
                    }
                    columns = Self.channelsLastColumns(channels: x[0], height: kernel, width: kernel)
                    channelsLastShape = model.plan.shapes[index]
                    poolFused = out != nil && Self.pools2x2(after: s, model) && conv!.0.outputHeight >= 2 && conv!.0.outputWidth >= 2
                    materialized = !poolFused
                } else if let shape = channelsLastShape {
                    columns = Self.channelsLastColumns(channels: shape[0], height: shape[1], width: shape[2])
                    channelsLastShape = nil
                }
                ops.append(.product(Product(layer: layer, input: current, output: out, relu: relu, conv: conv, pooled: poolFused,
                                            columns: columns, kernels: kernels)))
                if let out { current = out }
            case let .maxPool(index):
                guard case let .maxPool(size, stride, padding) = spec.layers[index] else { continue }
                if poolFused {
                    poolFused = false
                    channelsLastShape = model.plan.shapes[index]
                    break
                }
                let x = model.inputShape(of: index)
                let g = WindowGeometry(batch: maxBatch, channels: x[0], height: x[1], width: x[2], kernelHeight: size,
                                       kernelWidth: size, stride: stride, padding: padding)
                if channelsLastShape != nil {
                    ops.append(.maxPoolChannelsLast(g))
                    channelsLastShape = model.plan.shapes[index]
                } else {
                    ops.append(.maxPool(g))
                }
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
            if materialized, let shape = Self.stepOutputShape(step, model) { largest = max(largest, shape.reduce(1, *)) }
        }
        self.ops = ops
        input = .allocate(capacity: maxBatch * model.spec.inputShape.reduce(1, *) + 64)
        chunk = min(maxBatch, max(16, Self.chunkBytes / largest))
        buffers = (.allocate(capacity: chunk * largest + 64), .allocate(capacity: chunk * largest + 64))
        logits = .allocate(capacity: maxBatch * model.plan.shapes.last!.reduce(1, *))
        scratch = .allocate(capacity: 64)
        scratchBytes = 0
        reserveScratch(threads: threads)
    }

    /// For a (channels, height, width) tensor stored channels last: column
    /// (h·width + w)·channels + c reads the NCHW column (c·height + h)·width + w;
    /// nil when the two orders agree.
    private static func channelsLastColumns(channels: Int, height: Int, width: Int) -> [Int]? {
        guard channels > 1 && height * width > 1 else { return nil }
        var columns = [Int](repeating: 0, count: channels * height * width)
        for h in 0..<height {
            for w in 0..<width {
                for c in 0..<channels { columns[(h * width + w) * channels + c] = (c * height + h) * width + w }
            }
        }
        return columns
    }

    /// Whether step s + 1 is a 2×2 max pooling with stride 2 and no padding,
    /// the one a convolution's product can run inside itself.
    private static func pools2x2(after s: Int, _ model: QuantizedModel) -> Bool {
        guard s + 1 < model.plan.steps.count, case let .maxPool(index) = model.plan.steps[s + 1],
              case let .maxPool(size, stride, padding) = model.spec.layers[index] else { return false }
        return size == 2 && stride == 2 && padding == 0
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
        var start = 0
        while start < batch {
            let count = min(chunk, batch - start)
            run(x + start * sampleSize, batch: count, logits: logits + start * classes)
            start += count
        }
        return Tensor(pointer: logits, shape: Shape(batch, classes))
    }

    /// The network on `batch` <= ``chunk`` samples, logits written at `logits`.
    private func run(_ x: UnsafePointer<UInt8>, batch: Int, logits: UnsafeMutablePointer<Float>) {
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
                    let g = conv.geometry.withBatch(batch)
                    if p.pooled {
                        kernels.quantizedConvolutionChannelsLastPooled(current, zeroPoint: p.inputZeroPoint, weights: p.weights, output: stage,
                                                                       scratch: scratch, geometry: g, filters: conv.filters)
                    } else {
                        kernels.quantizedConvolutionChannelsLast(current, zeroPoint: p.inputZeroPoint, weights: p.weights, output: stage,
                                                                 scratch: scratch, geometry: g, filters: conv.filters)
                    }
                } else {
                    let stage = QuantizedOutputStage(bias: p.bias, scale: p.scale, destination: destination,
                                                     rowStride: p.outputs, columnStride: 1)
                    kernels.quantizedProduct(m: batch, n: p.outputs, k: p.inputs, a: current, lda: p.inputs,
                                             weights: p.weights, output: stage)
                }
                if s == last { return }
            case let .maxPool(g):
                kernels.maxPool(current, into: out, geometry: g.withBatch(batch))
            case let .maxPoolChannelsLast(g):
                kernels.maxPoolChannelsLast(current, into: out, geometry: g.withBatch(batch))
            case let .toChannelsLast(channels, pixels):
                for n in 0..<batch {
                    let x = current + n * channels * pixels, y = out + n * channels * pixels
                    for c in 0..<channels {
                        for p in 0..<pixels { y[p * channels + c] = x[c * pixels + p] }
                    }
                }
            case let .table(table, count):
                kernels.lookup(current, into: out, count: batch * count, table: table)
            }
            current = UnsafePointer(out)
            flip.toggle()
        }
        preconditionFailure("QuantizedNetwork: the plan ends with a product")
    }
}
