#if canImport(Glibc)
import Glibc
#endif
import ScratchNet

/// A one-line progress bar on stderr with samples/s and the time left in
/// the epoch and the run, redrawn at most ten times a second, and silent
/// when stderr is not a terminal (logs and CI stay clean: there the epoch
/// lines on standard output say how a run goes).
struct ProgressBar {
    let enabled: Bool
    /// The run's last epoch, for the run's time left (nil: the epoch's only).
    let epochs: Int?
    private var lastDraw = 0.0
    /// When this process first saw the current epoch, and at which step.
    private var epochStart: (epoch: Int, step: Int, time: Double)?
    /// Seconds a whole epoch took last (its evaluation included), for the run's ETA.
    private var lastEpochSeconds: Double?

    init(enabled: Bool = isatty(STDERR_FILENO) != 0, epochs: Int? = nil) {
        self.enabled = enabled
        self.epochs = epochs
    }

    mutating func update(_ p: Trainer.StepProgress) {
        guard enabled else { return }
        let now = Stopwatch.now()
        if epochStart?.epoch != p.epoch {
            if let start = epochStart, p.epoch == start.epoch + 1, start.step == 1 { lastEpochSeconds = now - start.time }
            epochStart = (p.epoch, p.stepInEpoch, now)
        }
        guard now - lastDraw >= 0.1 || p.stepInEpoch == p.stepsPerEpoch else { return }
        lastDraw = now
        let start = epochStart!
        let stepsDone = p.stepInEpoch - start.step
        let secondsPerStep = stepsDone > 0 ? (now - start.time) / Double(stepsDone) : nil
        let epochLeft = secondsPerStep.map { Double(p.stepsPerEpoch - p.stepInEpoch) * $0 }
        var runLeft: Double?
        if let epochs, let epochLeft, let secondsPerStep {
            let perEpoch = lastEpochSeconds ?? secondsPerStep * Double(p.stepsPerEpoch)
            runLeft = epochLeft + Double(max(epochs - p.epoch, 0)) * perEpoch
        }
        writeToStandardError("\r\u{1B}[K" + Self.line(epoch: p.epoch, step: p.stepInEpoch, of: p.stepsPerEpoch, loss: p.loss,
                                                    samplesPerSecond: p.samplesPerSecond, epochLeft: epochLeft, runLeft: runLeft))
    }

    /// The bar's text: "epoch 2 ███···· 120/600  loss 0.4512  51234 samples/s  ETA 0:09 (run 1:23)".
    static func line(epoch: Int, step: Int, of steps: Int, loss: Float, samplesPerSecond: Double,
                     epochLeft: Double?, runLeft: Double?) -> String {
        let width = 30
        let filled = steps == 0 ? width : width * step / steps
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var line = "epoch \(epoch) \(bar) \(step)/\(steps)  loss \(format(loss, 4))  \(Int(samplesPerSecond)) samples/s"
        if let epochLeft {
            line += "  ETA \(duration(epochLeft))"
            if let runLeft, runLeft > epochLeft { line += " (run \(duration(runLeft)))" }
        }
        return line
    }

    /// "m:ss", or "h:mm:ss" from an hour on; "--:--" when unknown or absurd.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return "--:--" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
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
