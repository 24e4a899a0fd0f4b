import Testing
import ScratchNet
import ScratchNetTestSupport

/// The C batch normalization on layer-sized inputs: equal to the naive
/// kernels within rounding, and bit-identical at 1 and 2 threads (each
/// channel is one thread's, its sums in a fixed lane order). With the ReLU
/// fused, every kernel equals its own BatchNorm and ReLU run apart, bit for bit.
@Suite("Kernels: batch normalization, sized as the conv presets' layers")
struct BatchNormKernelTests {
    /// Every output of one training forward, backward and inference forward.
    struct Outputs {
        var y, dx, yi: [Float]
        var mean, inv, rm, rv, dg, db: [Float]
    }

    /// - Parameter relu: `fused` passes `relu: true`; `apart` runs the kernel's
    ///   ReLU after each forward and its backward before the BatchNorm's.
    func run(_ kernels: any Kernels, batch: Int, channels: Int, spatial: Int, relu: ReLUPlacement = .none) -> Outputs {
        let count = batch * channels * spatial
        func values(_ n: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
            var v = [Float](repeating: 0, count: n)
            v.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: n, seed: seed, in: range) }
            return v
        }
        let x = values(count, seed: 1, in: -2...3), dy = values(count, seed: 2)
        let gamma = values(channels, seed: 3, in: 0.5...1.5), beta = values(channels, seed: 4)
        var o = Outputs(y: .init(repeating: 0, count: count),
                        dx: .init(repeating: 0, count: count), yi: .init(repeating: 0, count: count),
                        mean: .init(repeating: 0, count: channels), inv: .init(repeating: 0, count: channels), rm: values(channels, seed: 5),
                        rv: values(channels, seed: 6, in: 0.5...1), dg: .init(repeating: 0, count: channels),
                        db: .init(repeating: 0, count: channels))
        let fused = relu == .fused
        kernels.batchNormTrainingForward(x, batch: batch, channels: channels, spatial: spatial, gamma: gamma, beta: beta,
                                         eps: 1e-5, momentum: 0.9, runningMean: &o.rm, runningVariance: &o.rv,
                                         batchMean: &o.mean, invStd: &o.inv, relu: fused, into: &o.y)
        var g = dy
        if relu == .apart {
            o.y.withUnsafeMutableBufferPointer { kernels.relu($0.baseAddress!, into: $0.baseAddress!, count: count) }
            g.withUnsafeMutableBufferPointer { kernels.reluBackward($0.baseAddress!, output: o.y, into: $0.baseAddress!, count: count) }
        }
        kernels.batchNormBackward(g, input: x, batchMean: o.mean, invStd: o.inv, gamma: gamma, beta: beta, relu: fused,
                                  batch: batch, channels: channels, spatial: spatial,
                                  dgamma: &o.dg, dbeta: &o.db, into: &o.dx)
        kernels.batchNormInferenceForward(x, batch: batch, channels: channels, spatial: spatial, gamma: gamma,
                                          beta: beta, eps: 1e-5, runningMean: o.rm, runningVariance: o.rv,
                                          relu: fused, into: &o.yi)
        if relu == .apart {
            o.yi.withUnsafeMutableBufferPointer { kernels.relu($0.baseAddress!, into: $0.baseAddress!, count: count) }
        }
        return o
    }

    /// fast-cnn's three BatchNorm layers at batch 128, a dense layer, and odd shapes.
    @Test(arguments: [(128, 16, 784), (128, 32, 196), (128, 64, 49), (100, 256, 1), (33, 7, 33), (7, 33, 1), (1, 1, 1)])
    func equalsNaiveAndIsTheSameAtEveryThreadCount(batch: Int, channels: Int, spatial: Int) {
        let one = run(FastKernels(threads: 1), batch: batch, channels: channels, spatial: spatial)
        let two = run(FastKernels(threads: 2), batch: batch, channels: channels, spatial: spatial)
        let naive = run(NaiveKernels(), batch: batch, channels: channels, spatial: spatial)
        #expect(one.y == two.y && one.mean == two.mean && one.dx == two.dx && one.yi == two.yi)
        #expect(one.inv == two.inv && one.rm == two.rm && one.rv == two.rv && one.dg == two.dg && one.db == two.db)
        // Sums of N·S terms in another order (the naive ones sequential); outputs are O(1), so a floor of 1.
        let tol: Float = 2e-4
        for (name, f, n) in [("y", one.y, naive.y), ("batch mean", one.mean, naive.mean), ("dx", one.dx, naive.dx),
                             ("inference y", one.yi, naive.yi), ("invStd", one.inv, naive.inv),
                             ("running mean", one.rm, naive.rm), ("running variance", one.rv, naive.rv),
                             ("dgamma", one.dg, naive.dg), ("dbeta", one.db, naive.db)] {
            #expect(maxRelativeDifference(f, n, count: f.count, floor: 1) <= tol, "\(name)")
        }
    }

    enum ReLUPlacement { case none, fused, apart }

    @Test(arguments: [(128, 16, 784), (128, 64, 49), (100, 256, 1), (33, 7, 33), (7, 33, 1), (1, 1, 1)])
    func fusedReLUEqualsBatchNormThenReLUBitForBit(batch: Int, channels: Int, spatial: Int) {
        for kernels in [FastKernels(threads: 1), FastKernels(threads: 2), NaiveKernels()] as [any Kernels] {
            let fused = run(kernels, batch: batch, channels: channels, spatial: spatial, relu: .fused)
            let apart = run(kernels, batch: batch, channels: channels, spatial: spatial, relu: .apart)
            let name = "\(type(of: kernels))"
            #expect(fused.y == apart.y && fused.mean == apart.mean && fused.yi == apart.yi, "\(name) forward")
            #expect(fused.dx == apart.dx && fused.dg == apart.dg && fused.db == apart.db, "\(name) backward")
            #expect(fused.y.contains(0) && fused.y.contains { $0 > 0 } || batch * spatial == 1, "\(name): a trivial mask")
        }
    }
}
