import ArgumentParser
import ScratchNet

/// `scratchnet export`: a model's tensors as NumPy files, for numpy users
/// without the `safetensors` package.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model file's tensors as .npz (all of them) or .npy (one, with --tensor)."
    )

    @Option(help: "Model file written by `scratchnet train --save` (or any safetensors file).", completion: .file(extensions: ["safetensors"]))
    var model: String

    @Option(help: "Output file: NAME.npz for every float tensor, NAME.npy for the one named by --tensor.", completion: .file(extensions: ["npz", "npy"]))
    var output: String

    @Option(help: "The tensor to write to a .npy file (e.g. layers.0.weight).")
    var tensor: String?

    func validate() throws {
        if output.hasSuffix(".npy") {
            guard tensor != nil else { throw ValidationError("--output \(output) holds one array: name it with --tensor") }
        } else if output.hasSuffix(".npz") {
            guard tensor == nil else { throw ValidationError("--tensor applies to .npy output only") }
        } else {
            throw ValidationError("--output must end in .npz or .npy, got '\(output)'")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(output, flag: "--output")
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
}
