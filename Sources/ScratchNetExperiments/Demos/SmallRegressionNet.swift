import ScratchNetCore

/// A small fully connected network with a regression head, for the toy
/// and curve-fitting demos: Affine layers with an activation between them,
/// an optional activation on the output, and any ``RegressionLoss``.
///
/// Why not ``Network``: that class ends in a softmax classifier. This one
/// is built from the same layers, bound to one ``Arena`` sized by a
/// measuring pass, and trains full-batch on samples held in the arena.
final class SmallRegressionNet {
    enum Activation: String, Sendable { case sigmoid, relu, identity }

    let layers: [any Layer]
    let arena: Arena
    let input: Tensor
    let target: Tensor
    let lossGradient: Tensor
    let parameters: [Parameter]
    let optimizer: any Optimizer
    let loss: any RegressionLoss
    let samples: Int

    /// - Parameters:
    ///   - sizes: features at each level, input first: [3, 4, 1] is 3→4→1.
    ///   - hidden: activation after every Affine but the last.
    ///   - output: activation after the last Affine (identity for regression).
    init(sizes: [Int], hidden: Activation, output: Activation, initializer: WeightInitializer,
         samples: Int, loss: any RegressionLoss, optimizer: any Optimizer, seed: UInt64,
         kernels: any Kernels = FastKernels()) throws {
        precondition(sizes.count >= 2 && samples > 0, "SmallRegressionNet: needs input and output sizes and samples")
        var layers: [any Layer] = []
        for i in 1..<sizes.count {
            let affine = Affine(inputShape: Shape(sizes[i - 1]), outputs: sizes[i], initializer: initializer, kernels: kernels)
            affine.computesInputGradient = i > 1
            layers.append(affine)
            let activation = i == sizes.count - 1 ? output : hidden
            switch activation {
            case .sigmoid: layers.append(Sigmoid(inputShape: Shape(sizes[i]), kernels: kernels))
            case .relu: layers.append(ReLU(inputShape: Shape(sizes[i]), kernels: kernels))
            case .identity: break
            }
        }
        func bind(_ arena: Arena) throws -> (Tensor, Tensor, Tensor, [Parameter]) {
            var parameters: [Parameter] = []
            for (index, layer) in layers.enumerated() {
                try layer.bind(to: arena, maxBatch: samples)
                for var p in layer.parameters {
                    p.name = "layers.\(index).\(p.name)"
                    parameters.append(p)
                }
            }
            let x = try arena.allocate(Shape(samples, sizes.first!), name: "inputs")
            let t = try arena.allocate(Shape(samples, sizes.last!), name: "targets")
            let g = try arena.allocate(Shape(samples, sizes.last!), name: "loss gradient")
            try optimizer.bind(parameters: parameters, arena: arena, kernels: kernels)
            return (x, t, g, parameters)
        }
        let measuring = Arena.measuring()
        _ = try bind(measuring)
        arena = try Arena(capacity: measuring.used, gradientCapacity: measuring.gradientUsed)
        self.layers = layers
        self.optimizer = optimizer
        self.loss = loss
        self.samples = samples
        (input, target, lossGradient, parameters) = try bind(arena)
        var rng = SeededGenerator(seed: seed)
        for layer in layers { layer.initializeParameters(using: &rng) }
    }

    /// Predictions for every sample, (samples, outputs).
    func predict() -> Tensor {
        var h = input
        for layer in layers { h = layer.forward(h, training: false) }
        return h
    }

    /// The current loss over all samples.
    func currentLoss() -> Float { loss.loss(prediction: predict(), target: target) }

    /// One full-batch step; returns the loss before the update.
    @discardableResult
    func trainStep() -> Float {
        var h = input
        for layer in layers { h = layer.forward(h, training: true) }
        let value = loss.loss(prediction: h, target: target)
        loss.gradient(prediction: h, target: target, into: lossGradient)
        var g = lossGradient
        var i = layers.count - 1
        while i >= 0 {
            g = layers[i].backward(g)
            i -= 1
        }
        optimizer.update(parameters)
        return value
    }
}
