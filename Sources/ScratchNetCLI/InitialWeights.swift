import ArgumentParser
import Foundation
import ScratchNet

/// `train --init-from FILE`: the weights a run starts from, read from a
/// ScratchNet model file (`.safetensors`, a checkpoint's weights included)
/// or an ONNX model (`.onnx`, imported on the fly as `scratchnet import`
/// does). The file fixes the architecture; the run's optimizer, learning
/// rate, schedule and weight decay are this command's. Unlike `--resume`,
/// nothing else carries over: the epoch count, data order and optimizer
/// state start afresh.
struct InitialWeights {
    var path: String
    /// The file's architecture.
    var spec: NetworkSpec
    /// Copies the file's tensors into a network built from ``spec``.
    private var copyInto: (Network) throws -> Void

    /// Reads `path`: ONNX when it ends in `.onnx`, else a model file.
    static func read(path: String) throws -> InitialWeights {
        guard path.lowercased().hasSuffix(".onnx") else {
            let file = try SafeTensors.read(path: path)
            let spec = try ModelFile.spec(in: file)
            return InitialWeights(path: path, spec: spec) { network in
                for t in ModelFile.tensors(of: network) {
                    try file.copy(t.name, into: t.tensor, purpose: "needed by \(spec.summary)")
                    for i in 0..<t.tensor.count where !t.tensor.pointer[i].isFinite {
                        throw CLIFailure(.dataError, "\(path): tensor '\(t.name)' holds \(t.tensor.pointer[i]) at element \(i): weights must be finite numbers")
                    }
                }
            }
        }
        let imported: ONNXImportedNetwork
        do {
            imported = try ONNXModel.read(path: path)
        } catch let error as ONNXError {
            throw CLIFailure(.dataError, "\(error)")
        }
        return InitialWeights(path: path, spec: imported.spec) { network in
            for t in ModelFile.tensors(of: network) {
                guard let value = imported.tensors[t.name], value.shape == t.tensor.shape.dims,
                      value.values.allSatisfy(\.isFinite) else {
                    throw CLIFailure(.dataError, "\(path): tensor '\(t.name)' is missing, misshapen or not finite")
                }
                t.tensor.copy(from: value.values)
            }
        }
    }

    /// Refuses the options that contradict `--init-from` before any work:
    /// `--resume` (a checkpoint carries its own weights) and `--init` (the
    /// weights come from the file).
    static func refuseConflicts(_ initFrom: String?, resume: String?, initializer: WeightInitializer?) throws {
        guard initFrom != nil else { return }
        if resume != nil {
            throw ValidationError("--init-from and --resume cannot be used together: --resume continues a checkpoint's run (weights, optimizer state and data order), --init-from starts a new run from a model's weights")
        }
        if initializer != nil {
            throw ValidationError("--init cannot be used with --init-from: the weights come from the file")
        }
    }

    /// The network to build: the file's architecture with this run's weight
    /// decay. Architecture flags that describe another network are refused,
    /// naming them (they would be ignored); flags that agree are accepted.
    func architecture(flags given: [String], weightDecay: Float, requested: () throws -> NetworkSpec) throws -> NetworkSpec {
        if !given.isEmpty {
            let wanted = try requested()
            guard wanted.inputShape == spec.inputShape, wanted.layers == spec.layers else {
                throw ValidationError("\(given.joined(separator: ", ")) cannot change the architecture of \(path) (\(spec.summary)) with --init-from: drop the flag (the file fixes the architecture)")
            }
        }
        var result = spec
        result.weightDecay = weightDecay
        return result
    }

    /// Copies the file's weights (and persistent state, such as BatchNorm's
    /// running statistics) into `network`, built from ``architecture(flags:weightDecay:requested:)``.
    func load(into network: Network) throws {
        try copyInto(network)
    }
}
