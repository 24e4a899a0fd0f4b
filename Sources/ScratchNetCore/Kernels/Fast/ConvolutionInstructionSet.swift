import CKernels

extension FastKernels {
    /// `convolutionForward` on a chosen instruction set and thread count, so
    /// tests can check every convolution path a machine can run, not only
    /// the one it would pick. The convolution's tiles follow the micro-kernel
    /// names: `generic` is portable vector code, `avx2` and `avx512` the
    /// AVX2+FMA and AVX-512 builds of the same loops.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func convolutionForward(using kernel: GEMMMicroKernel, threads: Int,
                                   _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                   geometry: WindowGeometry, filters: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_conv_forward_with_kernel(kernel.cValue, Int32(threads), x, weight, bias, out, scratch,
                                                 Self.convGeometry(geometry, filters: filters))
        precondition(status == 0, "the \(kernel) convolution does not run on this CPU")
    }

    /// `convolutionBackward` on a chosen instruction set and thread count.
    ///
    /// - Precondition: `kernel` is in `GEMMMicroKernel.supported`; `threads` >= 1.
    public func convolutionBackward(using kernel: GEMMMicroKernel, threads: Int,
                                    _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    gradOutput: UnsafePointer<Float>,
                                    weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                    geometry: WindowGeometry, filters: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        let status = sn_conv_backward_with_kernel(kernel.cValue, Int32(threads), x, weight, gradOutput, weightGradient,
                                                  biasGradient, inputGradient, scratch,
                                                  Self.convGeometry(geometry, filters: filters))
        precondition(status == 0, "the \(kernel) convolution does not run on this CPU")
    }
}
