import Foundation
import ScratchNet

/// `scratchnet eval` on an int8 model file (``QuantizedModelFile``).
extension EvalCommand {
    func runQuantized(_ file: SafeTensors, test: LabeledImages) throws {
        let network = try QuantizedNetwork(model: QuantizedModelFile.load(file), maxBatch: min(batchSize, test.count),
                                           threads: threads.count())
        guard test.sampleShape == network.sampleShape else {
            throw TrainingError.incompatibleData("\(test.source): samples are \(test.sampleShape), the model takes \(network.sampleShape)")
        }
        try test.validateLabels(classes: network.classes)
        let classes = network.classes
        var correct = 0
        var rates: [Double] = []
        for _ in 0..<`repeat` {
            correct = 0
            let start = Stopwatch.now()
            var first = 0
            while first < test.count {
                let n = min(network.maxBatch, test.count - first)
                let logits = test.isTabular
                    ? test.features.withUnsafeBufferPointer { network.forward(floats: $0.baseAddress! + first * test.samplePixels, batch: n) }
                    : test.withSamples(start: first, count: n) { network.forward(bytes: $0, batch: n, scale: LabeledImages.pixelScale) }
                for r in 0..<n where Network.argmax(logits.pointer + r * classes, count: classes) == Int(test.labels[first + r]) {
                    correct += 1
                }
                first += n
            }
            rates.append(Double(test.count) / (Stopwatch.now() - start))
        }
        print("model \(model): \(network.model.spec.summary), int8")
        print("test accuracy \(format(Float(correct) / Float(test.count) * 100, 2))% (\(correct) of \(test.count) samples)")
        if `repeat` > 1 {
            let median = rates.sorted()[rates.count / 2]
            print("inference \(Int(median.rounded())) samples/s (median of \(`repeat`) passes, batch \(network.maxBatch), \(network.threads) threads, int8)")
        }
    }
}
