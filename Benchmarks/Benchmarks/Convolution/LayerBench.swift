import BenchmarkSupport
import ScratchNet

/// A layer bound to its own arena, with a seeded input batch and output
/// gradient: everything one forward or backward touches, made in setup.
///
/// A forward runs first (in `init`) so the backward has the input it keeps;
/// the backward writes, never accumulates, its gradients, so it can be
/// repeated on its own.
final class LayerBench: @unchecked Sendable {
    let layer: any Layer
    let batch: Int
    private let arena: Arena
    private let input: FloatBuffer
    private let gradOutput: FloatBuffer

    /// `direct` forces the fast kernels' direct convolution (no Winograd).
    init(case layerCase: ConvolutionCase, backend: Backend, threads: Int = 1, direct: Bool = false) throws {
        batch = ConvolutionCase.batch
        let kernels: any Kernels = backend == .fast
            ? FastKernels(threads: threads, convolutionAlgorithm: direct ? .direct : .automatic) : NaiveKernels()
        switch layerCase.kind {
        case .conv(let filters, let kernel, let padding, let firstLayer):
            let conv = Conv2D(inputShape: layerCase.inputShape, filters: filters, kernel: kernel, stride: 1,
                              padding: padding, initializer: .he, kernels: kernels)
            conv.computesInputGradient = !firstLayer
            layer = conv
        case .maxPool:
            layer = MaxPool(inputShape: layerCase.inputShape, size: 2, stride: 2, padding: 0, kernels: kernels)
        }
        // Size the arena with a measuring pass, then bind for real.
        let measuring = Arena.measuring()
        try layer.bind(to: measuring, maxBatch: batch)
        arena = try Arena(capacity: measuring.used, gradientCapacity: measuring.gradientUsed)
        try layer.bind(to: arena, maxBatch: batch)
        var rng = SeededGenerator(seed: 5)
        layer.initializeParameters(using: &rng)
        let inputCount = batch * layerCase.inputShape.count
        input = FloatBuffer(count: inputCount, seed: 6)
        gradOutput = FloatBuffer(count: batch * layer.outputShape.count, seed: 7)
        _ = forward()
    }

    /// One forward pass over the batch (training mode); returns an output value.
    @inline(__always)
    func forward() -> Float {
        let x = Tensor(pointer: input.pointer, shape: layer.inputShape.prepending(batch))
        return layer.forward(x, training: true).pointer[0]
    }

    /// One backward pass for the last forward; returns a gradient value.
    @inline(__always)
    func backward() -> Float {
        let dout = Tensor(pointer: gradOutput.pointer, shape: layer.outputShape.prepending(batch))
        let dx = layer.backward(dout)
        return dx.shape.count > 0 ? dx.pointer[0] : layer.parameters.first?.gradient.pointer[0] ?? 0
    }
}
