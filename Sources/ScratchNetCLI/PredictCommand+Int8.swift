import Foundation
import ScratchNet

/// `scratchnet predict` with an int8 model file.
extension PredictCommand {
    func runQuantized(_ file: SafeTensors) throws {
        let network = try QuantizedNetwork(model: QuantizedModelFile.load(file), maxBatch: 1)
        let want = network.sampleShape
        let wantText = want.map(String.init).joined(separator: "×")
        let names = try ClassNames.resolve(flag: classes, file: file, classes: network.classes)
        for path in files {
            let images = try ImageFile.read(path: path, modelFile: file, takes: want)
            for (index, image) in images.enumerated() {
                guard image.shape == want else {
                    throw TrainingError.incompatibleData("\(path): image is \(image.shape.map(String.init).joined(separator: "×")), the model takes \(wantText)")
                }
                let logits = image.values.withUnsafeBufferPointer { network.forward(floats: $0.baseAddress!, batch: 1).toArray() }
                report(images.count == 1 ? path : "\(path)[\(index)]", logits: logits, names: names)
            }
        }
    }
}
