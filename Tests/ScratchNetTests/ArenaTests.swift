import Testing
import ScratchNet

@Suite("Arena")
struct ArenaTests {
    @Test func allocationsAre64ByteAlignedAndDisjoint() throws {
        let arena = try Arena(capacity: 10_000)
        var previousEnd = 0
        for count in [1, 7, 33, 100] {
            let t = try arena.allocate(Shape(count), name: "t\(count)")
            let address = Int(bitPattern: t.pointer)
            #expect(address % 64 == 0)
            #expect(address >= previousEnd)
            previousEnd = address + count * 4
            #expect(t.toArray().allSatisfy { $0 == 0 })
        }
        #expect(arena.used == 64 + 64 + 192 + 448)
    }

    @Test func requestBeyondCapacityNamesRequestAndRemainder() throws {
        let arena = try Arena(capacity: 1024)
        _ = try arena.allocate(Shape(100), name: "first")
        #expect(throws: ArenaError.capacityExceeded(request: "second (200 floats)", bytes: 800, remaining: 576, capacity: 1024)) {
            try arena.allocate(Shape(200), name: "second")
        }
        // The failed request took nothing.
        #expect(arena.used == 448)
        #expect("\(ArenaError.capacityExceeded(request: "x", bytes: 8, remaining: 4, capacity: 16))"
                == "arena: x needs 8 bytes but only 4 of 16 are left")
    }

    @Test func measuringArenaCountsWithoutMemory() throws {
        let arena = Arena.measuring()
        _ = try arena.allocate(Shape(1000, 1000), name: "big")
        _ = try arena.allocateInt32(count: 3, name: "labels")
        #expect(arena.used == 4_000_000 + 64)
    }

    @Test func networkArenaIsSizedByMeasurementAndTooSmallReportsNeed() throws {
        let spec = Preset.twoLayer.spec()
        let network = try Network(spec: spec, maxBatch: 100, optimizer: SGD())
        #expect(network.arena.capacity == network.requiredArenaBytes)
        #expect(network.arena.used == network.requiredArenaBytes)
        // Parameters: 784·100 + 100 + 100·10 + 10 floats, twice (values and gradients).
        #expect(network.requiredArenaBytes > 2 * 4 * (78_400 + 100 + 1000 + 10))
        #expect(throws: ArenaError.tooSmall(needed: network.requiredArenaBytes, capacity: 1000, detail: "3 layers, batch 100")) {
            try Network(spec: spec, maxBatch: 100, optimizer: SGD(), arenaCapacity: 1000)
        }
    }

    @Test func buffersAreReusedAcrossSteps() throws {
        let network = try Network(spec: Preset.twoLayer.spec(), maxBatch: 8, optimizer: SGD())
        fillUniformInput(network)
        let first = network.forward(batch: 8, training: true).pointer
        _ = network.trainStep(batch: 8)
        let second = network.forward(batch: 5, training: true).pointer
        #expect(first == second)
        #expect(network.arena.used == network.requiredArenaBytes)
    }

    func fillUniformInput(_ network: Network) {
        var rng = SeededGenerator(seed: 1)
        for i in 0..<network.inputBuffer.count { network.inputBuffer.pointer[i] = Float(rng.nextUniform()) }
        for i in 0..<network.maxBatch { network.labelBuffer[i] = Int32(i % 10) }
    }
}

@Suite("Arena gradient section")
struct ArenaGradientSectionTests {
    @Test func parameterGradientsFormOneContiguousRegion() throws {
        let network = try Network(spec: Preset.mlp.spec(hidden: [33, 7]), maxBatch: 4, optimizer: SGD())
        let region = network.gradientRegion
        let start = region.baseAddress!
        let end = start + region.count
        for p in network.parameters {
            #expect(p.gradient.pointer >= start && p.gradient.pointer + p.gradient.count <= end, "\(p.name)")
        }
        // Values live outside it.
        for p in network.parameters { #expect(p.value.pointer >= end || p.value.pointer + p.value.count <= start) }
        let floats = network.parameters.reduce(0) { $0 + $1.gradient.count }
        #expect(region.count >= floats && region.count < floats + 16 * network.parameters.count)
    }

    @Test func gradientSectionOverflowIsReported() throws {
        let arena = try Arena(capacity: 1024, gradientCapacity: 128)
        _ = try arena.allocateGradient(Shape(16), name: "g1")
        #expect(throws: ArenaError.capacityExceeded(request: "g2 (32 floats, gradient section)", bytes: 128, remaining: 64, capacity: 128)) {
            try arena.allocateGradient(Shape(32), name: "g2")
        }
        // The general section is unaffected: 1024 − 128 bytes.
        _ = try arena.allocate(Shape(224), name: "general")
        #expect(throws: (any Error).self) { try arena.allocate(Shape(1), name: "one more") }
    }
}
