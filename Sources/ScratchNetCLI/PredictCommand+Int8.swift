import Foundation
import ScratchNet

/// `scratchnet predict` with an int8 model file.
extension PredictCommand {
    func runQuantized(_ file: SafeTensors) throws {
        let network = try QuantizedNetwork(model: QuantizedModelFile.load(file), maxBatch: 1)
        let want = network.sampleShape
        let wantText = want.map(String.init).joined(separator: "×")
        for path in files {
            let images = try ImageFile.read(path: path)
            for (index, image) in images.enumerated() {
                guard image.shape == want else {
                    throw TrainingError.incompatibleData("\(path): image is \(image.shape.map(String.init).joined(separator: "×")), the model takes \(wantText)")
                }
                let logits = image.values.withUnsafeBufferPointer { network.forward(floats: $0.baseAddress!, batch: 1).toArray() }
                let probabilities = Self.softmax(logits)
                let best = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
                let name = images.count == 1 ? path : "\(path)[\(index)]"
                print("\(name): class \(best) (p = \(format(probabilities[best], 4)))")
            }
        }
    }
}
