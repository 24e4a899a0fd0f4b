import Testing
import ScratchNet
import ScratchNetTestSupport

/// Parameters of the given sizes in a fresh arena, values and gradients
/// zero; the arena is returned so it outlives the tensors.
private func makeParameters(_ sizes: [Int]) throws -> (Arena, [Parameter]) {
    let arena = try Arena(capacity: sizes.reduce(0) { $0 + 2 * Arena.roundUp4($1) } + 4096)
    let params = try sizes.enumerated().map { i, n in
        Parameter(name: "p\(i)", value: try arena.allocate(Shape(n), name: "value"),
                  gradient: try arena.allocate(Shape(n), name: "gradient"), decays: true)
    }
    return (arena, params)
}

extension Arena {
    /// Bytes a tensor of n floats takes, alignment included.
    static func roundUp4(_ n: Int) -> Int { (n * 4 + alignment - 1) / alignment * alignment }
}

/// One update rule written independently in Double, as the book's NumPy
/// code reads; the state is two arrays (velocity / h / m and v).
private struct DoubleReference {
    var kind: OptimizerKind
    var lr: Double
    var p: [Double]
    var s1: [Double]
    var s2: [Double]
    var t = 0

    init(kind: OptimizerKind, lr: Double, p: [Double]) {
        self.kind = kind; self.lr = lr; self.p = p
        s1 = Array(repeating: 0, count: p.count); s2 = s1
    }

    mutating func step(_ g: [Double]) {
        t += 1
        for i in p.indices {
            switch kind {
            case .sgd: p[i] -= lr * g[i]
            case .momentum: s1[i] = 0.9 * s1[i] - lr * g[i]; p[i] += s1[i]
            case .nesterov:
                s1[i] = 0.9 * s1[i] - lr * g[i]
                p[i] += 0.81 * s1[i] - 1.9 * lr * g[i]
            case .adagrad: s1[i] += g[i] * g[i]; p[i] -= lr * g[i] / (s1[i].squareRoot() + 1e-7)
            case .rmsprop:
                s1[i] = 0.99 * s1[i] + 0.01 * g[i] * g[i]
                p[i] -= lr * g[i] / (s1[i].squareRoot() + 1e-7)
            case .adam, .adamw:
                // AdamW (its default λ 0.01; these parameters all decay) shrinks p first.
                if kind == .adamw { p[i] *= 1 - lr * 0.01 }
                let lrT = lr * (1 - power(0.999, t)).squareRoot() / (1 - power(0.9, t))
                s1[i] += 0.1 * (g[i] - s1[i])
                s2[i] += 0.001 * (g[i] * g[i] - s2[i])
                p[i] -= lrT * s1[i] / (s2[i].squareRoot() + 1e-7)
            }
        }
    }
}

private func power(_ x: Double, _ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= x }
    return r
}

@Suite("Optimizers")
struct OptimizerTests {
    /// Float32 updates against a Double reference over 5 steps: each step
    /// rounds a handful of operations (~1e-7 relative each); AdaGrad and
    /// Adam divide by √h, which amplifies nothing here since gradients are
    /// O(1). 1e-5 relative leaves a wide margin.
    @Test(arguments: OptimizerKind.allCases)
    func updateMatchesDoublePrecisionReference(kind: OptimizerKind) throws {
        let (arena, params) = try makeParameters([5])
        _ = arena
        let initial: [Float] = [1, -2, 0.5, 3, -0.25]
        params[0].value.copy(from: initial)
        let optimizer = kind.make(learningRate: 0.1)
        try optimizer.bind(parameters: params, arena: arena, kernels: FastKernels())
        var reference = DoubleReference(kind: kind, lr: 0.1, p: initial.map(Double.init))
        for step in 1...5 {
            let g: [Float] = [0.5, -1, Float(step) * 0.1, -0.3, 2]
            params[0].gradient.copy(from: g)
            optimizer.update(params)
            reference.step(g.map(Double.init))
            for (a, b) in zip(params[0].value.toArray(), reference.p) {
                #expect(abs(Double(a) - b) <= 1e-5 * max(1, abs(b)), "\(kind) step \(step): \(a) vs \(b)")
            }
        }
        #expect(optimizer.stepCount == 5)
        #expect(optimizer.name == kind.rawValue)
    }

    /// Hand-computed: momentum with lr 0.1, μ 0.9 and a constant gradient
    /// 0.5 from p = 1: v = −0.05, −0.095, −0.1355; p = 0.95, 0.855, 0.7195.
    @Test func momentumFollowsHandComputedSequence() throws {
        let (arena, params) = try makeParameters([1])
        params[0].value[0] = 1
        params[0].gradient[0] = 0.5
        let momentum = Momentum(learningRate: 0.1, momentum: 0.9)
        try momentum.bind(parameters: params, arena: arena, kernels: FastKernels())
        for expected: Float in [0.95, 0.855, 0.7195] {
            momentum.update(params)
            #expect(abs(params[0].value[0] - expected) <= 1e-6)
        }
        #expect(abs(momentum.stateTensors[0].tensor[0] - (-0.1355)) <= 1e-6)
    }

    /// Adam's first step moves every weight by lr·sign(g), whatever |g|:
    /// lr₁ = lr·√0.001/0.1, m = 0.1·g, v = 0.001·g², so m/√v = √10·sign(g).
    /// ε 1e-7 against √v ≥ 3e-4 shifts it by < 1e-3 relative.
    @Test func adamFirstStepIsLearningRateTimesSign() throws {
        let (arena, params) = try makeParameters([3])
        params[0].gradient.copy(from: [10, -0.01, 3])
        let adam = Adam(learningRate: 0.001)
        try adam.bind(parameters: params, arena: arena, kernels: FastKernels())
        adam.update(params)
        let p = params[0].value.toArray()
        #expect(abs(p[0] + 0.001) <= 1e-6 && abs(p[1] - 0.001) <= 1e-6 && abs(p[2] + 0.001) <= 1e-6, "\(p)")
    }

    /// The SIMD loops (16 lanes plus a scalar tail) against the plain
    /// scalar reference the naive backend runs, on sizes that exercise the
    /// tail (1, 7), one vector plus tail (33), several (100, 257). They differ
    /// only in fused multiply-adds (one rounding instead of two), so 1e-5
    /// relative after 6 steps is generous.
    @Test(arguments: OptimizerKind.allCases)
    func simdUpdateMatchesScalarReferenceOnOddSizes(kind: OptimizerKind) throws {
        let sizes = [1, 7, 33, 100, 257]
        let (fastArena, fastParams) = try makeParameters(sizes)
        let (naiveArena, naiveParams) = try makeParameters(sizes)
        let fast = kind.make(learningRate: 0.05)
        let naive = kind.make(learningRate: 0.05)
        try fast.bind(parameters: fastParams, arena: fastArena, kernels: FastKernels())
        try naive.bind(parameters: naiveParams, arena: naiveArena, kernels: NaiveKernels())
        for (i, n) in sizes.enumerated() {
            fillUniform(fastParams[i].value.pointer, count: n, seed: UInt64(i))
            naiveParams[i].value.copy(from: fastParams[i].value)
        }
        for step in 0..<6 {
            for (i, n) in sizes.enumerated() {
                fillUniform(fastParams[i].gradient.pointer, count: n, seed: UInt64(100 * step + i), in: -2...2)
                naiveParams[i].gradient.copy(from: fastParams[i].gradient)
            }
            fast.update(fastParams)
            naive.update(naiveParams)
        }
        for (i, n) in sizes.enumerated() {
            let diff = maxRelativeDifference(fastParams[i].value.pointer, naiveParams[i].value.pointer, count: n, floor: 1)
            #expect(diff <= 1e-5, "\(kind) size \(n): \(diff)")
            for (a, b) in zip(fast.stateTensors, naive.stateTensors) where a.name.hasPrefix("p\(i).") {
                let stateDiff = maxRelativeDifference(a.tensor.pointer, b.tensor.pointer, count: n, floor: 1)
                #expect(stateDiff <= 1e-5, "\(kind) \(a.name): \(stateDiff)")
            }
        }
    }

    @Test func stateTensorsLiveInTheNetworkArenaNamedAfterTheirParameter() throws {
        let spec = Preset.mlp.spec(hidden: [20])
        let plain = try Network(spec: spec, maxBatch: 8, optimizer: SGD(), seed: 1)
        let adam = Adam()
        let withAdam = try Network(spec: spec, maxBatch: 8, optimizer: adam, seed: 1)
        let names = adam.stateTensors.map(\.name)
        #expect(names.contains("layers.0.weight.m") && names.contains("layers.0.weight.v") && names.contains("layers.2.bias.v"))
        #expect(names.count == 2 * withAdam.parameters.count)
        let parameterFloats = withAdam.parameters.reduce(0) { $0 + $1.value.count }
        // Two moments per weight, each tensor rounded up to 64 bytes.
        let extra = withAdam.requiredArenaBytes - plain.requiredArenaBytes
        #expect(extra >= 2 * 4 * parameterFloats && extra <= 2 * 4 * parameterFloats + 64 * names.count)
        // Every state tensor points into the arena's real memory and starts at zero.
        for named in adam.stateTensors {
            #expect(named.tensor.toArray().allSatisfy { $0 == 0 })
        }
        #expect(adam.stepCount == 0)
        let momentumNames = Momentum().stateTensorsAfterBinding(spec: spec)
        #expect(momentumNames.first == "layers.0.weight.velocity")
    }

    @Test func kindParsesNamesAndUsesBookDefaults() {
        #expect(OptimizerKind(argument: "RMSprop") == .rmsprop)
        #expect(OptimizerKind(argument: "lbfgs") == nil)
        #expect(OptimizerKind.adam.make().learningRate == 0.001)
        #expect(OptimizerKind.momentum.make().learningRate == 0.01)
        #expect(OptimizerKind.sgd.make(learningRate: 0.1).learningRate == 0.1)
    }

    /// Each optimizer trains the two-layer net on a fixed synthetic batch:
    /// the loss after 30 steps is below the first one.
    @Test(arguments: OptimizerKind.allCases)
    func everyOptimizerLowersTheLossOfANetwork(kind: OptimizerKind) throws {
        let spec = Preset.mlp.spec(inputShape: [8], classes: 3, hidden: [16])
        let network = try Network(spec: spec, maxBatch: 12, optimizer: kind.make(), seed: 3)
        fillUniform(network.inputBuffer.pointer, count: network.inputBuffer.count, seed: 9)
        for i in 0..<12 { network.labelBuffer[i] = Int32(i % 3) }
        let first = network.trainStep(batch: 12)
        var last = first
        for _ in 0..<30 { last = network.trainStep(batch: 12) }
        #expect(last < first, "\(kind): \(first) → \(last)")
    }
}

extension Optimizer {
    /// State names after binding to a network built from `spec` (test helper).
    func stateTensorsAfterBinding(spec: NetworkSpec) -> [String] {
        guard (try? Network(spec: spec, maxBatch: 2, optimizer: self)) != nil else { return [] }
        return stateTensors.map(\.name)
    }
}
