/// A sequential network of any depth with a softmax-with-loss head, all of
/// whose memory lives in one ``Arena``.
///
/// Building a network runs the same binding code twice: first against a
/// measuring arena, to learn exactly how many bytes the layers, the input
/// and label buffers and the optimizer state need for `maxBatch`; then
/// against a real arena of that size (or of a size the caller gives, which
/// fails with the needed size when too small). After that, a training step
/// allocates nothing.
public final class Network {
    public let spec: NetworkSpec
    public let layers: [any Layer]
    public let head: SoftmaxWithLoss
    public let kernels: any Kernels
    /// The most threads this network's kernels use per call (1 runs every
    /// kernel on the calling thread; without the OpenMP trait they always
    /// do). Owned by this network alone: set it between steps and it takes
    /// effect from the next kernel call. Results never depend on it.
    public var threads: Int {
        get { threadCount.value }
        set {
            precondition(newValue >= 1, "Network: threads must be >= 1, got \(newValue)")
            threadCount.value = newValue
        }
    }
    private let threadCount: ThreadCount
    public let maxBatch: Int
    public let arena: Arena
    /// Every trainable tensor, named `layers.<i>.<name>` (e.g. `layers.0.weight`).
    public private(set) var parameters: [Parameter] = []
    public let optimizer: (any Optimizer)?
    /// (maxBatch, inputShape...): where a batch of samples is put before a step.
    public private(set) var inputBuffer: Tensor
    /// (maxBatch): the batch's class indices.
    public private(set) var labelBuffer: UnsafeMutableBufferPointer<Int32>
    /// Bytes the arena needs for this network, batch and optimizer.
    public let requiredArenaBytes: Int
    public var classes: Int { head.classes }
    public var sampleShape: Shape { Shape(spec.inputShape) }

    /// Builds, sizes the arena, binds and initializes the network.
    /// - Parameters:
    ///   - maxBatch: the largest batch that will be fed (training or inference).
    ///   - optimizer: whose state should live in the arena too (nil for inference only).
    ///   - seed: fixes the initial weights.
    ///   - arenaCapacity: bytes to use instead of the measured size; too small throws.
    ///   - threads: the most threads a kernel call may use (see ``threads``).
    public init(spec: NetworkSpec, maxBatch: Int, backend: Backend = .fast,
                optimizer: (any Optimizer)? = nil, seed: UInt64 = 0,
                arenaCapacity: Int? = nil, threads: Int = 1) throws {
        precondition(maxBatch > 0, "Network: maxBatch must be > 0")
        precondition(threads >= 1, "Network: threads must be >= 1, got \(threads)")
        try Self.checkBatch(maxBatch, spec: spec)
        guard !spec.inputShape.isEmpty, spec.inputShape.count <= 3, spec.inputShape.allSatisfy({ $0 > 0 }) else {
            throw NetworkShapeError(layerIndex: 0, layer: "input", message: "input shape \(spec.inputShape) must have 1 to 3 positive dimensions")
        }
        guard !spec.layers.isEmpty else {
            throw NetworkShapeError(layerIndex: 0, layer: "input", message: "a network needs at least one layer")
        }
        let threadCount = ThreadCount(threads)
        let kernels = backend.kernels(sharing: threadCount)
        var layers: [any Layer] = []
        var shape = Shape(spec.inputShape)
        for (index, layerSpec) in spec.layers.enumerated() {
            let layer = try layerSpec.makeLayer(inputShape: shape, initializer: spec.initializer,
                                                kernels: kernels, index: index)
            layer.computesInputGradient = index > 0
            layers.append(layer)
            shape = layer.outputShape
        }
        Self.fuseReLUs(layers)
        guard shape.rank == 1 else {
            throw NetworkShapeError(layerIndex: spec.layers.count - 1, layer: spec.layers.last!.description,
                                    message: "the last layer must give a vector of class scores, got \(shape)")
        }
        self.spec = spec
        self.layers = layers
        self.kernels = kernels
        self.threadCount = threadCount
        self.maxBatch = maxBatch
        self.optimizer = optimizer
        self.head = SoftmaxWithLoss(classes: shape[0], kernels: kernels)

        let measuring = Arena.measuring()
        let sample = Shape(spec.inputShape)
        var bound = try Self.bind(layers: layers, head: head, optimizer: optimizer, kernels: kernels,
                                  sampleShape: sample, maxBatch: maxBatch, arena: measuring)
        requiredArenaBytes = measuring.used
        let capacity = arenaCapacity ?? requiredArenaBytes
        guard capacity >= requiredArenaBytes else {
            throw ArenaError.tooSmall(needed: requiredArenaBytes, capacity: capacity,
                                      detail: "\(spec.layers.count) layers, batch \(maxBatch)")
        }
        arena = try Arena(capacity: capacity, gradientCapacity: measuring.gradientUsed)
        bound = try Self.bind(layers: layers, head: head, optimizer: optimizer, kernels: kernels,
                              sampleShape: sample, maxBatch: maxBatch, arena: arena)
        inputBuffer = bound.input
        labelBuffer = bound.labels
        parameters = bound.parameters

        var rng = SeededGenerator(seed: seed)
        for layer in layers { layer.initializeParameters(using: &rng) }
    }

    /// Lets a ReLU's neighbour apply it (the ReLU layer then passes values
    /// through): a BatchNorm before it, else a MaxPool after it. A ReLU's
    /// forward and backward are each a pass over a full-size activation that
    /// these layers make anyway; the results are the same bits.
    private static func fuseReLUs(_ layers: [any Layer]) {
        for (index, layer) in layers.enumerated() {
            guard let relu = layer as? ReLU else { continue }
            if index > 0, let norm = layers[index - 1] as? BatchNorm {
                norm.appliesReLU = true
                relu.isAppliedByNeighbour = true
            } else if index + 1 < layers.count, let pool = layers[index + 1] as? MaxPool {
                pool.appliesReLUToInput = true
                relu.isAppliedByNeighbour = true
            }
        }
    }

    /// The largest `maxBatch` a network accepts: the C kernels index a
    /// batch with 32-bit integers, and no data set here comes near it.
    public static let maximumBatch = 1 << 24

    /// Refuses a batch whose activations would not fit in 32-bit indices
    /// (the kernels') before anything is sized: batch sizes come from flags.
    static func checkBatch(_ maxBatch: Int, spec: NetworkSpec) throws {
        let source = "batch size \(maxBatch)"
        guard maxBatch <= maximumBatch else {
            throw SizeOverflow(source: source, field: "batch", factors: [maxBatch], limit: maximumBatch)
        }
        let limit = Int(Int32.max)
        _ = try CheckedSize.product([maxBatch] + spec.inputShape, field: "input batch", source: source, limit: limit)
        for (index, shape) in try spec.outputShapes().enumerated() {
            _ = try CheckedSize.product([maxBatch] + shape, field: "layer \(index) (\(spec.layers[index])) output",
                                        source: source, limit: limit)
        }
    }

    private struct Bound {
        var input: Tensor
        var labels: UnsafeMutableBufferPointer<Int32>
        var parameters: [Parameter]
    }

    /// The binding sequence, run once to measure and once for real.
    private static func bind(layers: [any Layer], head: SoftmaxWithLoss, optimizer: (any Optimizer)?,
                             kernels: any Kernels, sampleShape: Shape, maxBatch: Int,
                             arena: Arena) throws -> Bound {
        var parameters: [Parameter] = []
        for (index, layer) in layers.enumerated() {
            try layer.bind(to: arena, maxBatch: maxBatch)
            for var p in layer.parameters {
                p.name = "layers.\(index).\(p.name)"
                parameters.append(p)
            }
        }
        try head.bind(to: arena, maxBatch: maxBatch)
        let input = try arena.allocate(sampleShape.prepending(maxBatch), name: "input batch")
        let labels = try arena.allocateInt32(count: maxBatch, name: "label batch")
        try optimizer?.bind(parameters: parameters, arena: arena, kernels: kernels)
        return Bound(input: input, labels: labels, parameters: parameters)
    }

    /// Logits for the first `batch` samples of ``inputBuffer``.
    public func forward(batch: Int, training: Bool) -> Tensor {
        precondition(batch > 0 && batch <= maxBatch, "Network: batch \(batch) not in 1...\(maxBatch)")
        var h = inputBuffer.leading(batch)
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    /// Forward and loss on the first `batch` samples of ``inputBuffer`` and
    /// ``labelBuffer``; includes the weight-decay term when λ > 0.
    public func loss(batch: Int, training: Bool) -> Float {
        let logits = forward(batch: batch, training: training)
        return head.forward(logits, labels: UnsafePointer(labelBuffer.baseAddress!)) + weightDecayLoss()
    }

    /// Backward from the head through every layer; fills every parameter's
    /// gradient (weight decay included). Call after ``loss(batch:training:)``.
    public func backward() {
        var g = head.backward()
        var i = layers.count - 1
        while i >= 0 {
            g = layers[i].backward(g)
            i -= 1
        }
        let lambda = spec.weightDecay
        if lambda > 0 {
            for p in parameters where p.decays {
                kernels.axpy(alpha: lambda, p.value.pointer, p.gradient.pointer, count: p.value.count)
            }
        }
    }

    /// One optimization step on the batch in the buffers; returns its loss.
    public func trainStep(batch: Int) -> Float {
        guard let optimizer else { preconditionFailure("Network: trainStep needs an optimizer") }
        let l = loss(batch: batch, training: true)
        backward()
        optimizer.update(parameters)
        return l
    }

    /// 0.5·λ·ΣW² over the weights (0 when λ = 0).
    public func weightDecayLoss() -> Float {
        let lambda = spec.weightDecay
        guard lambda > 0 else { return 0 }
        var sum: Double = 0
        for p in parameters where p.decays {
            for i in 0..<p.value.count { sum += Double(p.value.pointer[i] * p.value.pointer[i]) }
        }
        return Float(0.5 * Double(lambda) * sum)
    }

    /// How many of the first `batch` samples the network classifies as their label.
    public func correctCount(batch: Int) -> Int {
        correctCount(logits: forward(batch: batch, training: false), batch: batch)
    }

    /// How many rows of `logits` have their largest value at the label in ``labelBuffer``.
    func correctCount(logits: Tensor, batch: Int) -> Int {
        var correct = 0
        for r in 0..<batch {
            if Self.argmax(logits.pointer + r * classes, count: classes) == Int(labelBuffer[r]) { correct += 1 }
        }
        return correct
    }

    /// Index of the largest of `count` values (the first on ties).
    public static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<max(count, 1) where values[i] > values[best] { best = i }
        return best
    }

    /// All parameter gradients as one contiguous buffer (see ``Arena``):
    /// what a data-parallel step sums across processes in one call.
    public var gradientRegion: UnsafeMutableBufferPointer<Float> { arena.gradientRegion }

    /// Parameter lookup by name (`layers.0.weight`).
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}
