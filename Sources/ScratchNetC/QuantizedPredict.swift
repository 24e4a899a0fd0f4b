import ScratchNetCore

/// `scratchnet_model_predict` on an int8 handle: the int8 logits, then the
/// float softmax; in chunks of the model's max batch, allocating nothing.
func predictQuantized(_ network: QuantizedNetwork, _ kernels: any Kernels, _ inputs: UnsafePointer<Float>, _ batch: Int,
                      _ outputs: UnsafeMutablePointer<Float>) -> Int32 {
    let sample = network.sampleSize, classes = network.classes
    var start = 0
    while start < batch {
        let n = min(network.maxBatch, batch - start)
        let logits = network.forward(floats: inputs + start * sample, batch: n)
        kernels.softmax(logits.pointer, into: outputs + start * classes, rows: n, cols: classes)
        start += n
    }
    return Status.ok.rawValue
}
