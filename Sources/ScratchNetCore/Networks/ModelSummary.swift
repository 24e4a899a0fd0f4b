/// A network's per-layer table, as Keras' `model.summary()` and torchinfo
/// print it: each layer's output shape, trainable parameters and forward
/// FLOPs for one sample, computed from the spec alone (nothing is built).
///
/// FLOPs count the inference forward pass by one rule for every layer:
/// a multiply-add is 2 FLOPs and a bias add 1 (affine, convolution);
/// ReLU, sigmoid and tanh 1 per output element; batch norm 2 per element
/// (scale and shift, its inference form); max pooling size² − 1 comparisons
/// per output element; dropout (the identity at inference) and flatten 0.
/// Batch norm's running mean and variance are state, not parameters.
public struct ModelSummary: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        /// The layer's index in the spec, from 0.
        public var index: Int
        public var layer: LayerSpec
        /// One sample's output shape.
        public var outputShape: [Int]
        /// Trainable values (weights and biases; batch norm's gamma and beta).
        public var parameters: Int
        /// Forward FLOPs for one sample (see ``ModelSummary``).
        public var flops: Int
        /// Elements of one sample's output.
        public var outputElements: Int { outputShape.reduce(1, *) }
    }

    public let inputShape: [Int]
    public let rows: [Row]

    /// - Throws: ``NetworkShapeError`` when a layer does not fit its input
    ///   (every size is then known to fit in `Int`, see ``LayerSpec/elementLimit``).
    public init(spec: NetworkSpec) throws {
        let shapes = try spec.outputShapes()
        inputShape = spec.inputShape
        var rows: [Row] = []
        var input = spec.inputShape
        for (index, layer) in spec.layers.enumerated() {
            let output = shapes[index]
            let (parameters, flops) = Self.cost(of: layer, input: input, output: output)
            rows.append(Row(index: index, layer: layer, outputShape: output, parameters: parameters, flops: flops))
            input = output
        }
        self.rows = rows
    }

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    public var totalFLOPs: Int { rows.reduce(0) { $0 + $1.flops } }

    /// Bytes of every layer's float32 output for a batch of `batch` samples
    /// (the forward activations; gradients and scratch are extra, the arena
    /// holds them all).
    public func activationBytes(batch: Int) -> Int {
        rows.reduce(0) { $0 + $1.outputElements } * batch * MemoryLayout<Float>.size
    }

    /// Parameters and forward FLOPs per sample of `layer` from `input` to `output`.
    static func cost(of layer: LayerSpec, input: [Int], output: [Int]) -> (parameters: Int, flops: Int) {
        let inputs = input.reduce(1, *)
        let outputs = output.reduce(1, *)
        switch layer {
        case .affine(let n):
            return (inputs * n + n, 2 * inputs * n + n)
        case let .conv2d(filters, kernel, _, _):
            let window = input[0] * kernel * kernel
            return (filters * window + filters, 2 * window * outputs + outputs)
        case .batchNorm:
            return (2 * input[0], 2 * outputs)
        case .relu, .sigmoid, .tanh:
            return (0, outputs)
        case let .maxPool(size, _, _):
            return (0, (size * size - 1) * outputs)
        case .dropout, .flatten:
            return (0, 0)
        }
    }

    /// The table as text, one layer a line, then the totals; with
    /// `arenaBytes`, the arena a network of this spec needs for `batch`.
    public func table(batch: Int, arenaBytes: Int? = nil) -> String {
        var lines: [[String]] = [["#", "layer", "output", "params", "FLOPs/sample", "activations/batch"]]
        lines.append(["", "input", Shape(inputShape).description, "", "", ""])
        for row in rows {
            lines.append(["\(row.index)", row.layer.description, Shape(row.outputShape).description,
                          Self.grouped(row.parameters), Self.grouped(row.flops),
                          Arena.formatBytes(row.outputElements * batch * MemoryLayout<Float>.size)])
        }
        let widths = (0..<lines[0].count).map { column in lines.map { $0[column].count }.max()! }
        let rightAligned: Set = [0, 3, 4, 5]
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var text = [render(lines[0]), rule] + lines.dropFirst().map(render) + [rule]
        text.append("total: \(Self.grouped(totalParameters)) parameters (\(Arena.formatBytes(totalParameters * 4)) as float32), "
                    + "\(Self.grouped(totalFLOPs)) FLOPs per sample forward, "
                    + "\(Arena.formatBytes(activationBytes(batch: batch))) of activations per batch of \(batch)")
        if let arenaBytes { text.append("arena: \(Arena.formatBytes(arenaBytes)) (\(arenaBytes) bytes) for batches of \(batch)") }
        return text.joined(separator: "\n")
    }

    /// `1234567` as "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
