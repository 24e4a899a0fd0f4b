import ScratchNetCore

/// A number rounded to three decimals, for the demos' report lines.
func threeDecimals(_ v: Float) -> String {
    "\((Double(v) * 1000).rounded() / 1000)"
}
