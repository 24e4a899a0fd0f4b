import CKernels

// MARK: - Byte batches into floats, in C: shuffled samples miss the cache,
// and C prefetches a few samples ahead (batch_convert.c); rows are split
// over the threads above a grain size.

extension FastKernels {
    public func gatherBytes(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>, sampleSize: Int,
                            scale: Float, into batch: UnsafeMutablePointer<Float>) {
        guard let first = indices.baseAddress, !indices.isEmpty else { return }
        sn_gather_bytes_to_float(nthreads, samples, first, 0, Int32(indices.count), Int32(sampleSize), scale, batch)
    }

    public func convertBytes(_ samples: UnsafePointer<UInt8>, rows: Int, sampleSize: Int,
                             scale: Float, into batch: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        sn_gather_bytes_to_float(nthreads, samples, nil, 0, Int32(rows), Int32(sampleSize), scale, batch)
    }

    public func gatherBytesAugmented(_ samples: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int32>,
                                     transforms: UnsafePointer<ImageTransform>,
                                     channels: Int, height: Int, width: Int,
                                     scale: Float, into batch: UnsafeMutablePointer<Float>) {
        guard let first = indices.baseAddress, !indices.isEmpty else { return }
        precondition(Self.transformLayoutMatches, "ImageTransform's layout differs from sn_image_transform")
        UnsafeRawPointer(transforms).withMemoryRebound(to: sn_image_transform.self, capacity: indices.count) { t in
            sn_gather_bytes_augmented(nthreads, samples, first, Int32(indices.count), Int32(channels),
                                      Int32(height), Int32(width), scale, t, batch)
        }
    }

    /// ImageTransform is read by C as an sn_image_transform: same size and
    /// field offsets.
    static let transformLayoutMatches: Bool =
        MemoryLayout<ImageTransform>.size == MemoryLayout<sn_image_transform>.size
        && MemoryLayout<ImageTransform>.stride == MemoryLayout<sn_image_transform>.stride
        && MemoryLayout<ImageTransform>.offset(of: \.flipFlag) == MemoryLayout<sn_image_transform>.offset(of: \.flip)
        && MemoryLayout<ImageTransform>.offset(of: \.shiftX) == MemoryLayout<sn_image_transform>.offset(of: \.dx)
        && MemoryLayout<ImageTransform>.offset(of: \.shiftY) == MemoryLayout<sn_image_transform>.offset(of: \.dy)
}
