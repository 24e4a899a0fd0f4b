import CKernels

/// How the fast kernels compute a convolution. `automatic` is what
/// training uses: Winograd on 3×3 stride-1 layers wide enough for its
/// transforms to pay (the input gradient judged as the transposed
/// convolution it is) and batches of at least 32 images, with 4×4 tiles
/// where they save at least a fifth of 2×2 tiles' products, the direct
/// product elsewhere; the choice depends on the layer's shape and the batch
/// only, so results do not depend on the thread count.
/// Tests force each.
public enum ConvolutionAlgorithm: CaseIterable, Sendable, CustomStringConvertible {
    case automatic
    /// The shifted product (stride 1) or im2col (other strides).
    case direct
    /// Winograd F(2×2, 3×3): 3×3 stride-1 layers only; for the input
    /// gradient also padding ≤ 2.
    case winograd
    /// Winograd F(4×4, 3×3) for the forward, the input gradient and the
    /// weight gradient, on the same layers.
    case winograd4x4

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .direct: "direct"
        case .winograd: "winograd"
        case .winograd4x4: "winograd4x4"
        }
    }

    var cValue: sn_conv_algorithm {
        switch self {
        case .automatic: SN_CONV_ALGORITHM_AUTO
        case .direct: SN_CONV_ALGORITHM_DIRECT
        case .winograd: SN_CONV_ALGORITHM_WINOGRAD
        case .winograd4x4: SN_CONV_ALGORITHM_WINOGRAD_4X4
        }
    }
}
