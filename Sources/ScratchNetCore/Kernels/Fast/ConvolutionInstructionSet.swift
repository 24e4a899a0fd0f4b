import CKernels

extension FastKernels {
    /// `convolutionForward` on a chosen instruction set and thread count, so
    /// tests can check every convolution path a machine can run, not only
    /// the one it would pick. The convolution's tiles follow the micro-kernel
    /// names: `generic` is portable vector code, `avx2` and `avx512` the
    /// AVX2+FMA and AVX-512 builds of the same loops. `algorithm` forces
    /// the direct product or Winograd.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1;
    ///   `.winograd` only for 3×3 stride-1 geometries.
    public func convolutionForward(using kernel: GEMMMicroKernel, algorithm: ConvolutionAlgorithm = .automatic,
                                   threads: Int,
                                   _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                   geometry: WindowGeometry, filters: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_conv_forward_with_algorithm(kernel.cValue, algorithm.cValue, Int32(threads), x, weight, bias,
                                                    out, scratch, Self.convGeometry(geometry, filters: filters))
        precondition(status == 0, "the \(kernel) \(algorithm) convolution does not run on this CPU or geometry")
    }

    /// `convolutionBackward` on a chosen instruction set and thread count;
    /// `algorithm` forces the input gradient's; the weight gradient runs Winograd where the input
    /// gradient does (or where there is none and the forward would), else the direct product.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1;
    ///   `.winograd` only for 3×3 stride-1 geometries with padding ≤ 2.
    public func convolutionBackward(using kernel: GEMMMicroKernel, algorithm: ConvolutionAlgorithm = .automatic,
                                    threads: Int,
                                    _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    gradOutput: UnsafePointer<Float>,
                                    weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                    geometry: WindowGeometry, filters: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_conv_backward_with_algorithm(kernel.cValue, algorithm.cValue, Int32(threads), x, weight,
                                                     gradOutput, weightGradient, biasGradient, inputGradient, scratch,
                                                     Self.convGeometry(geometry, filters: filters))
        precondition(status == 0, "the \(kernel) \(algorithm) convolution does not run on this CPU or geometry")
    }

    /// `convolutionInferenceForward` on a chosen instruction set and thread
    /// count, with the weights `prepareConvolutionInference` transformed into
    /// `scratch` (at any thread count: the transform does not depend on it).
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func convolutionInferenceForward(using kernel: GEMMMicroKernel, threads: Int,
                                            _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                            scratch: UnsafeMutablePointer<Float>, geometry: WindowGeometry,
                                            filters: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_conv_inference_forward(kernel.cValue, Int32(threads), x, weight, bias, out, scratch,
                                               Self.convGeometry(geometry, filters: filters))
        precondition(status == 0, "the \(kernel) convolution does not run on this CPU")
    }

    /// The side of the output tiles an inference forward of this batch runs
    /// Winograd with after `prepareConvolutionInference`: 2 or 4, or 0 for the direct product.
    public func convolutionInferenceTile(geometry: WindowGeometry, filters: Int) -> Int {
        Int(sn_conv_inference_tile(Self.convGeometry(geometry, filters: filters)))
    }

    /// Whether `automatic` runs Winograd for this layer's forward, or (with
    /// `inputGradient`) for its input gradient.
    public func convolutionUsesWinograd(geometry: WindowGeometry, filters: Int, inputGradient: Bool) -> Bool {
        convolutionWinogradTile(geometry: geometry, filters: filters, inputGradient: inputGradient) != 0
    }

    /// The side of the output tiles `automatic` runs Winograd with for this
    /// layer's forward or input gradient: 2 or 4, or 0 for the direct product.
    public func convolutionWinogradTile(geometry: WindowGeometry, filters: Int, inputGradient: Bool) -> Int {
        Int(sn_conv_uses_winograd(Self.convGeometry(geometry, filters: filters), inputGradient ? 1 : 0))
    }
}
