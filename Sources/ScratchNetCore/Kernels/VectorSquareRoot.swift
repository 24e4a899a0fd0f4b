#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

extension SIMD16<Float> {
    /// The lane-wise square root as vector instructions (`sqrtps`).
    ///
    /// Why not `squareRoot()`: the standard library computes it lane by
    /// lane through `sqrtf`, which keeps C's errno contract, so every lane
    /// becomes a scalar `sqrtss` plus a branch to a library call. For
    /// AdaGrad, RMSprop and Adam that made the SIMD loop no faster than the
    /// scalar one. Four SSE `sqrtps` (baseline x86-64, no CPU flags needed)
    /// are exact (IEEE-754 square root, correctly rounded), like `sqrtf`.
    @inline(__always) var vectorSquareRoot: Self {
        #if arch(x86_64)
        let a = _mm_sqrt_ps(lowHalf.lowHalf), b = _mm_sqrt_ps(lowHalf.highHalf)
        let c = _mm_sqrt_ps(highHalf.lowHalf), d = _mm_sqrt_ps(highHalf.highHalf)
        return Self(lowHalf: SIMD8(lowHalf: a, highHalf: b), highHalf: SIMD8(lowHalf: c, highHalf: d))
        #else
        return squareRoot()
        #endif
    }
}
