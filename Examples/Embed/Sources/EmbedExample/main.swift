// Trains a tiny network through ScratchNet's public API and checks that it
// learned: the smallest complete use of the library from another package.
import ScratchNet
#if canImport(Glibc)
import Glibc
#endif

/// Points in [-1, 1]² labelled 0 when x·y > 0, else 1 (not linearly separable).
func makeData(count: Int, rng: inout SeededGenerator) -> (x: [Float], y: [Int32]) {
    var x: [Float] = []
    var y: [Int32] = []
    for _ in 0..<count {
        let a = Float(rng.nextUniform() * 2 - 1)
        let b = Float(rng.nextUniform() * 2 - 1)
        x += [a, b]
        y.append(a * b > 0 ? 0 : 1)
    }
    return (x, y)
}

let spec = NetworkSpec(inputShape: [2], layers: [.affine(outputs: 32), .relu, .affine(outputs: 2)])
let batch = 64
let network = try Network(spec: spec, maxBatch: batch, optimizer: SGD(learningRate: 0.1), seed: 42)
var rng = SeededGenerator(seed: 7)
let (x, y) = makeData(count: 2048, rng: &rng)

/// Fraction of the samples the network classifies correctly.
func accuracy(_ network: Network, _ x: [Float], _ y: [Int32], batch: Int) -> Double {
    var correct = 0
    for start in stride(from: 0, to: y.count, by: batch) {
        network.inputBuffer.pointer.update(from: Array(x[start * 2..<(start + batch) * 2]), count: batch * 2)
        for i in 0..<batch { network.labelBuffer[i] = y[start + i] }
        correct += network.correctCount(batch: batch)
    }
    return Double(correct) / Double(y.count)
}

let before = accuracy(network, x, y, batch: batch)
var firstLoss: Float = 0
var loss: Float = 0
for epoch in 0..<30 {
    for start in stride(from: 0, to: y.count, by: batch) {
        network.inputBuffer.pointer.update(from: Array(x[start * 2..<(start + batch) * 2]), count: batch * 2)
        for i in 0..<batch { network.labelBuffer[i] = y[start + i] }
        loss = network.trainStep(batch: batch)
        if epoch == 0 && start == 0 { firstLoss = loss }
    }
}
let after = accuracy(network, x, y, batch: batch)
print("ScratchNet from another package: OpenMP \(OpenMPRuntime.isAvailable ? "on" : "off"), \(network.threads) thread(s)")
print("loss \(firstLoss) -> \(loss), accuracy \(before) -> \(after)")
guard after >= 0.9, loss < firstLoss else {
    print("the network did not learn")
    exit(1)
}
print("embed example: ok")
