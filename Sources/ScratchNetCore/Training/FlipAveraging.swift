/// Test-time augmentation by horizontal flip: each image is classified by
/// the mean of the softmax of the image and of its mirror image.
///
/// Why: a network trained with random flips has learnt both orientations,
/// but its errors on an image and on its mirror differ; averaging the two
/// predictions cancels part of them (on Fashion-MNIST a few tenths of a
/// point) for one extra forward pass. Only left-right: clothes are
/// symmetric that way, never upside down.
public enum FlipAveraging {
    /// How many of the samples of `data` at `rows` the network classifies
    /// correctly by the flip-averaged softmax, in batches of its largest
    /// batch size (inference mode).
    /// - Precondition: `data`'s samples are images (channels, rows, cols).
    public static func correctCount(of network: Network, on data: LabeledImages, rows: Range<Int>) -> Int {
        precondition(data.sampleShape.count == 3, "FlipAveraging: samples must be images (channels, rows, cols), got \(data.sampleShape)")
        let batch = network.maxBatch, classes = network.classes
        var indices = [Int32](repeating: 0, count: batch)
        let flips = [ImageTransform](repeating: ImageTransform(flip: true), count: batch)
        var plain = [Float](repeating: 0, count: batch * classes)
        var mirrored = [Float](repeating: 0, count: batch * classes)
        var correct = 0
        var start = rows.lowerBound
        while start < rows.upperBound {
            let n = min(batch, rows.upperBound - start)
            for r in 0..<n { indices[r] = Int32(start + r) }
            indices.withUnsafeBufferPointer { all in
                let chunk = UnsafeBufferPointer(rebasing: all[0..<n])
                data.fillBatch(indices: chunk, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
                let logits = network.forward(batch: n, training: false)
                network.kernels.softmax(logits.pointer, into: &plain, rows: n, cols: classes)
                flips.withUnsafeBufferPointer { t in
                    data.fillBatch(indices: chunk, transforms: UnsafeBufferPointer(rebasing: t[0..<n]),
                                   into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
                }
                let flipped = network.forward(batch: n, training: false)
                network.kernels.softmax(flipped.pointer, into: &mirrored, rows: n, cols: classes)
            }
            for i in 0..<n * classes { plain[i] += mirrored[i] }
            plain.withUnsafeBufferPointer { p in
                for r in 0..<n where Network.argmax(p.baseAddress! + r * classes, count: classes) == Int(network.labelBuffer[r]) {
                    correct += 1
                }
            }
            start += n
        }
        return correct
    }

    /// The flip-averaged accuracy of `network` on all of `data`.
    public static func accuracy(of network: Network, on data: LabeledImages) -> Float {
        data.count == 0 ? 0 : Float(correctCount(of: network, on: data, rows: 0..<data.count)) / Float(data.count)
    }
}
