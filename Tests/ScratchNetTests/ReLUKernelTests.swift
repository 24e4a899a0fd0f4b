import Testing
import ScratchNet
import ScratchNetTestSupport

/// The C ReLU passes (`relu.c`) against the naive twin, bit for bit: odd
/// counts below the parallel grain and counts above it split between
/// threads, with the values a ReLU must not get wrong (±0, NaN, ±∞).
@Suite("ReLU kernels")
struct ReLUKernelTests {
    static let counts = [1, 7, 33, 100, 65_536 + 33, 200_003]

    static func values(count: Int, seed: UInt64) -> [Float] {
        var v = uniform(count, seed: seed).map { ($0 - 0.5) * 6 }
        let special: [Float] = [0, -0, .nan, .infinity, -.infinity, 1e-38, -1e-38]
        for (i, s) in special.enumerated() where i * 5 < count { v[i * 5] = s }
        return v
    }

    @Test(arguments: [1, 2])
    func forwardAndBackwardEqualTheNaiveTwinBitForBit(threads: Int) {
        let fast = FastKernels(threads: threads), naive = NaiveKernels()
        for count in Self.counts {
            let x = Self.values(count: count, seed: UInt64(count)), dy = Self.values(count: count, seed: UInt64(count) + 1)
            var y1 = [Float](repeating: 1, count: count), y2 = y1
            fast.relu(x, into: &y1, count: count)
            naive.relu(x, into: &y2, count: count)
            #expect(y1.map(\.bitPattern) == y2.map(\.bitPattern), "relu, \(count) values, \(threads) threads")
            var d1 = [Float](repeating: 1, count: count), d2 = d1
            fast.reluBackward(dy, output: x, into: &d1, count: count)
            naive.reluBackward(dy, output: x, into: &d2, count: count)
            #expect(d1.map(\.bitPattern) == d2.map(\.bitPattern), "relu backward, \(count) values, \(threads) threads")
        }
    }

    /// The layer runs in place on a large activation (y and x the same buffer).
    @Test func forwardInPlaceEqualsOutOfPlace() {
        let fast = FastKernels(threads: 2)
        let x = Self.values(count: 200_003, seed: 3)
        var inPlace = x, outOfPlace = [Float](repeating: 0, count: x.count)
        inPlace.withUnsafeMutableBufferPointer { fast.relu($0.baseAddress!, into: $0.baseAddress!, count: $0.count) }
        fast.relu(x, into: &outOfPlace, count: x.count)
        #expect(inPlace.map(\.bitPattern) == outOfPlace.map(\.bitPattern))
    }
}
