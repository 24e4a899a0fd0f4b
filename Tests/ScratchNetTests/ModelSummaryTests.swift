import Testing
import ScratchNet

@Suite("model summary")
struct ModelSummaryTests {
    /// 784·100 + 100 and 100·10 + 10 parameters; 2·784·100 + 100, 100 and
    /// 2·100·10 + 10 FLOPs.
    @Test func twoLayerCountsAreTheTextbookOnes() throws {
        let summary = try ModelSummary(spec: Preset.twoLayer.spec())
        #expect(summary.rows.map(\.outputShape) == [[100], [100], [10]])
        #expect(summary.rows.map(\.parameters) == [78_500, 0, 1_010])
        #expect(summary.rows.map(\.flops) == [156_900, 100, 2_010])
        #expect(summary.totalParameters == 79_510)
        #expect(summary.totalFLOPs == 159_010)
        #expect(summary.activationBytes(batch: 100) == (100 + 100 + 10) * 100 * 4)
    }

    /// Six 3×3 convolutions (16, 16, 32, 32, 64, 64), three 2×2 pools, affine
    /// 1024→50 and 50→10, counted by hand.
    @Test func deepCNNCountsByHand() throws {
        let summary = try ModelSummary(spec: Preset.deepCNN.spec())
        let convolutions = summary.rows.filter { if case .conv2d = $0.layer { true } else { false } }
        #expect(convolutions.map(\.parameters) == [160, 2_320, 4_640, 9_248, 18_496, 36_928])
        #expect(convolutions.map(\.outputShape) == [[16, 28, 28], [16, 28, 28], [32, 14, 14], [32, 16, 16], [64, 8, 8], [64, 8, 8]])
        // conv1: 16·28·28 outputs, each a 1·3·3 window: 2·9 + 1 FLOPs.
        #expect(convolutions[0].flops == 16 * 28 * 28 * (2 * 9 + 1))
        // conv4: 32·16·16 outputs of a 32·3·3 window.
        #expect(convolutions[3].flops == 32 * 16 * 16 * (2 * 288 + 1))
        let affine = summary.rows.filter { if case .affine = $0.layer { true } else { false } }
        #expect(affine.map(\.parameters) == [51_250, 510])
        #expect(summary.totalParameters == 123_552)
        // 2×2 pooling: 3 comparisons per output.
        let pools = summary.rows.filter { if case .maxPool = $0.layer { true } else { false } }
        #expect(pools.map(\.flops) == [3 * 16 * 14 * 14, 3 * 32 * 8 * 8, 3 * 64 * 4 * 4])
    }

    /// The table's parameter count is what a built network trains, for every preset.
    @Test(arguments: Preset.allCases)
    func parametersMatchTheBuiltNetwork(preset: Preset) throws {
        let spec = preset == .mlp ? preset.spec(batchNorm: true) : preset.spec()
        let network = try Network(spec: spec, maxBatch: 2)
        let built = network.parameters.reduce(0) { $0 + $1.value.shape.count }
        #expect(try ModelSummary(spec: spec).totalParameters == built)
    }

    @Test func tableListsEveryLayerAndTheTotals() throws {
        let table = try ModelSummary(spec: Preset.simpleCNN.spec()).table(batch: 100, arenaBytes: 1 << 20)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2 + 1 + 6 + 1 + 2)
        #expect(table.contains("conv5x5(30, stride 1, pad 0)"))
        #expect(table.contains("30×24×24"))
        #expect(table.contains("total: 433,890 parameters"))
        #expect(table.contains("arena: 1.0 MiB (1048576 bytes) for batches of 100"))
        #expect(!lines.contains { $0.hasSuffix(" ") })
    }

    @Test func aLayerThatDoesNotFitIsNamed() {
        let spec = NetworkSpec(inputShape: [10], layers: [.conv2d(filters: 1, kernel: 3)])
        #expect(throws: NetworkShapeError.self) { try ModelSummary(spec: spec) }
    }
}
