import ArgumentParser
import ScratchNet

/// `scratchnet export`: a model's tensors as NumPy files, for numpy users
/// without the `safetensors` package, or the whole network as ONNX, for
/// onnxruntime and the other ONNX runtimes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model as ONNX (.onnx), or its tensors as .npz (all of them) or .npy (one, with --tensor)."
    )

    @Option(help: "Model file written by `scratchnet train --save` (or any safetensors file for .npz/.npy).", completion: .file(extensions: ["safetensors"]))
    var model: String

    @Option(help: "Output file: NAME.onnx for the network as an ONNX graph (opset 17), NAME.npz for every float tensor, NAME.npy for the one named by --tensor.", completion: .file(extensions: ["onnx", "npz", "npy"]))
    var output: String

    @Option(help: "The tensor to write to a .npy file (e.g. layers.0.weight).")
    var tensor: String?

    @Flag(help: "ONNX: end the graph with Softmax (output 'probabilities') instead of giving the logits (output 'logits').")
    var softmax = false

    @Option(help: "ONNX: what the graph's input holds. unit: pixels divided by 255, as ScratchNet feeds them (stated in the graph's metadata); bytes: raw pixel values 0-255, the graph multiplies by 1/255 itself.")
    var inputScale: ONNXExportOptions.InputScaling = .unit

    func validate() throws {
        if output.hasSuffix(".onnx") {
            guard tensor == nil else { throw ValidationError("--tensor applies to .npy output only") }
            return
        }
        guard !softmax, inputScale == .unit else {
            throw ValidationError("--softmax and --input-scale apply to .onnx output only")
        }
        if output.hasSuffix(".npy") {
            guard tensor != nil else { throw ValidationError("--output \(output) holds one array: name it with --tensor") }
        } else if output.hasSuffix(".npz") {
            guard tensor == nil else { throw ValidationError("--tensor applies to .npy output only") }
        } else {
            throw ValidationError("--output must end in .onnx, .npz or .npy, got '\(output)'")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(output, flag: "--output")
        if output.hasSuffix(".onnx") {
            try exportONNX()
            return
        }
        let file = try SafeTensors.read(path: model)
        if let tensor {
            let info = try file.require(tensor, dtype: .F32)
            try AtomicFile.write(NumPy.npy(try file.floats(tensor), shape: info.shape), to: output)
            print("wrote \(output): \(tensor) \(info.shape)")
        } else {
            let tensors = file.tensors.filter { $0.dtype == .F32 }
            let arrays = try tensors.map { (name: $0.name, values: try file.floats($0.name), shape: $0.shape) }
            try AtomicFile.write(NumPy.npz(arrays), to: output)
            print("wrote \(output): \(arrays.count) arrays (\(arrays.map(\.name).joined(separator: ", ")))")
        }
    }

    private func exportONNX() throws {
        let network = try ModelFile.load(path: model, maxBatch: 1)
        let options = ONNXExportOptions(softmax: softmax, inputScaling: inputScale)
        do {
            try ONNXModel.write(network, to: output, options: options)
        } catch let error as ONNXError {
            throw CLIFailure(.dataError, "\(error)")
        }
        let input = (["batch"] + network.spec.inputShape.map(String.init)).joined(separator: "×")
        let scaling = inputScale == .unit ? "pixels/255" : "pixels 0-255"
        print("wrote \(output): opset 17, \(network.spec.summary); input \(input) (\(scaling)), output \(softmax ? "probabilities" : "logits") batch×\(network.classes)")
    }
}

extension ONNXExportOptions.InputScaling: ExpressibleByArgument {}
