import ScratchNetTestSupport

/// Row-major matrices for the GEMM suites: seeded uniform values, and the
/// transpose that turns one operand layout into the other.
func uniform(_ count: Int, seed: UInt64) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { fillUniform($0.baseAddress!, count: count, seed: seed) }
    return values
}

/// x is (rows, cols); the result is (cols, rows).
func transpose(_ x: [Float], rows: Int, cols: Int) -> [Float] {
    var t = [Float](repeating: 0, count: x.count)
    for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = x[r * cols + c] } }
    return t
}
