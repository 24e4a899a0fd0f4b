#if canImport(Glibc)
import Glibc
#endif
import ScratchNet

/// A one-line progress bar on stderr, redrawn at most ten times a second,
/// and silent when stderr is not a terminal (logs and CI stay clean).
struct ProgressBar {
    let enabled: Bool
    private var lastDraw = 0.0

    init(enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.enabled = enabled
    }

    mutating func update(_ p: Trainer.StepProgress) {
        guard enabled else { return }
        let now = Stopwatch.now()
        guard now - lastDraw >= 0.1 || p.stepInEpoch == p.stepsPerEpoch else { return }
        lastDraw = now
        let width = 30
        let filled = p.stepsPerEpoch == 0 ? width : width * p.stepInEpoch / p.stepsPerEpoch
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "epoch \(p.epoch) \(bar) \(p.stepInEpoch)/\(p.stepsPerEpoch)  loss \(format(p.loss, 4))  \(Int(p.samplesPerSecond)) samples/s"
        writeToStandardError("\r\u{1B}[K" + line)
    }

    func finishLine() {
        guard enabled else { return }
        writeToStandardError("\r\u{1B}[K")
    }
}

/// Fixed-point formatting without Foundation.
func format(_ value: Float, _ digits: Int) -> String { format(Double(value), digits) }

func format(_ value: Double, _ digits: Int) -> String {
    // Beyond 1e15 fixed point is unreadable (and overflows Int): print plainly.
    guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var frac = String(Int(scaled.truncatingRemainder(dividingBy: scale)))
    while frac.count < digits { frac = "0" + frac }
    return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + frac : "")
}

/// Unbuffered write to file descriptor 2 (no shared `FILE*` state).
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
