// MARK: - Byte batches into floats, as plain loops: the oracle the C gathers
// must match exactly (one rounding: Float(byte) · scale).

extension NaiveKernels {
    public func gatherBytes(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>, sampleSize: Int,
                            scale: Float, into batch: UnsafeMutablePointer<Float>) {
        for (row, index) in indices.enumerated() {
            let sample = samples + Int(index) * sampleSize
            for k in 0..<sampleSize { batch[row * sampleSize + k] = Float(sample[k]) * scale }
        }
    }

    public func convertBytes(_ samples: UnsafePointer<UInt8>, rows: Int, sampleSize: Int,
                             scale: Float, into batch: UnsafeMutablePointer<Float>) {
        for i in 0..<rows * sampleSize { batch[i] = Float(samples[i]) * scale }
    }

    /// out(c, y, x) = in(c, y − dy, x' − dx), x' the column after the flip.
    public func gatherBytesAugmented(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>,
                                     transforms: UnsafePointer<ImageTransform>,
                                     channels: Int, height: Int, width: Int,
                                     scale: Float, into batch: UnsafeMutablePointer<Float>) {
        let sampleSize = channels * height * width
        for (row, index) in indices.enumerated() {
            let t = transforms[row]
            for c in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width {
                        let sy = y - t.dy, sx = x - t.dx
                        var value: Float = 0
                        if sy >= 0, sy < height, sx >= 0, sx < width {
                            let col = t.flip ? width - 1 - sx : sx
                            value = Float(samples[Int(index) * sampleSize + (c * height + sy) * width + col]) * scale
                        }
                        batch[row * sampleSize + (c * height + y) * width + x] = value
                    }
                }
            }
        }
    }
}
