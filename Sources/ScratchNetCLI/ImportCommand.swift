import ArgumentParser
import ScratchNet

/// `scratchnet import`: an ONNX model (e.g. from `torch.onnx.export`) as a
/// ScratchNet model file, which `eval`, `predict`, `quantize` and `export`
/// then use like any other (`train --init-from` fine-tunes either file).
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX model (a chain of Linear/Conv/BatchNorm/MaxPool/Flatten/ReLU/Sigmoid/Tanh layers) as a model file."
    )

    @Argument(help: "The ONNX model (.onnx).", completion: .file(extensions: ["onnx"]))
    var onnx: String

    @Option(help: "The model file to write (.safetensors).", completion: .file(extensions: ["safetensors"]))
    var output: String

    func validate() throws {
        guard output.hasSuffix(".safetensors") else {
            throw ValidationError("--output must end in .safetensors, got '\(output)'")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(output, flag: "--output")
        let network: Network
        let imported: ONNXImportedNetwork
        do {
            imported = try ONNXModel.read(path: onnx)
            network = try imported.makeNetwork(maxBatch: 1)
        } catch let error as ONNXError {
            throw CLIFailure(.dataError, "\(error)")
        } catch let error as NetworkShapeError {
            throw CLIFailure(.dataError, "\(onnx): \(error)")
        }
        try ModelFile.save(network, to: output)
        for note in imported.notes { print("note: \(note)") }
        print("wrote \(output): \(network.spec.summary) (ONNX opset \(imported.opset))")
    }
}
