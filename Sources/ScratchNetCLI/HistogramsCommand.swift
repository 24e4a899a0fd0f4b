import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet histograms`: the book's weight-initialization experiment.
struct HistogramsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "histograms",
        abstract: "Draw activation histograms of 5 layers for an activation and a weight init (book ch. 6).",
        discussion: "1000 samples of 100 N(0,1) inputs through five 100-unit layers; one histogram per layer, written as SVG."
    )

    @Option(help: "Activation.")
    var model: WeightInitExperiment.Activation = .sigmoid
    @Option(help: "Weight init: std (N(0,1), the book's first try), xavier, he, or a standard deviation such as 0.01.")
    var initializer: String = "std"
    @Option(name: .customLong("init"), help: "Same as --initializer.")
    var initAlias: String?
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @Option(help: "Output file; its extension must be .svg (the charts are SVG).", completion: .file(extensions: ["svg"]))
    var out: String = "histograms.svg"

    var weightInit: WeightInitializer? {
        let name = initAlias ?? initializer
        return name == "std" ? .gaussian(std: 1) : WeightInitializer(argument: name)
    }

    func validate() throws {
        guard weightInit != nil else { throw ValidationError("--init must be std, xavier, he or a positive number") }
        try Self.checkExtension(out)
    }

    /// The format follows the file name: only SVG is drawn, so any other
    /// extension (.png included) is refused rather than given SVG bytes.
    static func checkExtension(_ path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "svg" else {
            throw ValidationError("--out \(path): histograms are written as SVG only; name the file with the .svg extension")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(out, flag: "--out")
        let activation = model
        let layers = WeightInitExperiment.run(activation: activation, initializer: weightInit!, seed: seed)
        let svg = WeightInitExperiment.svg(activation: activation, initializer: weightInit!, layers: layers)
        try AtomicFile.write(Array(svg.utf8), to: out)
        for (i, a) in layers.enumerated() {
            let mean = a.reduce(0, +) / Float(a.count)
            let std = (a.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(a.count)).squareRoot()
            print("layer \(i + 1): mean \(format(mean, 4)), std \(format(std, 4))")
        }
        print("wrote \(out)")
    }
}

extension WeightInitExperiment.Activation: ExpressibleByArgument {}
