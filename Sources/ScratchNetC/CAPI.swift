#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import ScratchNetCore

// The C API. Each function here is exported under the C name in its `@c`
// attribute and declared, with its documentation, in include/scratchnet.h.
// Rules every function follows: it returns a status code (0 = success),
// records a message for `scratchnet_last_error` on failure, never prints,
// never exits, and never lets a Swift error or a bad argument cross into C
// as a crash when the caller can be told instead.

/// The library version, as the package's git tag spells it.
@c(scratchnet_version)
public func scratchnetVersion() -> UnsafePointer<CChar> {
    UnsafeRawPointer(("0.1.0" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The message of the last failed call on this thread ("" if none).
@c(scratchnet_last_error)
public func scratchnetLastError() -> UnsafePointer<CChar> {
    lastErrorMessage() ?? UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The message of the last failed call on `model` ("" if none).
@c(scratchnet_model_last_error)
public func scratchnetModelLastError(_ model: OpaquePointer?) -> UnsafePointer<CChar> {
    if let model, let message = ModelHandle.from(model).lastErrorPointer { return message }
    return UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Sets the number of threads `model`'s kernels use; other models keep theirs.
@c(scratchnet_model_set_threads)
public func scratchnetModelSetThreads(_ model: OpaquePointer?, _ threads: Int32) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_set_threads: model is NULL") }
    let handle = ModelHandle.from(model)
    guard threads >= 1 else {
        return fail(.invalidArgument, "scratchnet_model_set_threads: threads must be >= 1, got \(threads)", model: handle)
    }
    handle.network.threads = Int(threads)
    handle.quantized?.threads = Int(threads)
    return Status.ok.rawValue
}

/// The number of threads `model`'s kernels use.
@c(scratchnet_model_threads)
public func scratchnetModelThreads(_ model: OpaquePointer?, _ threads: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_threads: model is NULL") }
    guard let threads else { return fail(.invalidArgument, "scratchnet_model_threads: threads is NULL") }
    threads.pointee = Int32(ModelHandle.from(model).network.threads)
    return Status.ok.rawValue
}

/// Parses a preset name ("two-layer": 1×28×28 inputs, 10 classes) or a
/// `NetworkSpec` as JSON (text starting with "{").
func parseSpec(_ text: String) throws -> NetworkSpec {
    if text.first == "{" {
        let spec = try JSONDecoder().decode(NetworkSpec.self, from: Data(text.utf8))
        let limit = 1 << 24
        guard spec.inputShape.allSatisfy({ $0 >= 1 && $0 <= limit }) else {
            throw NetworkShapeError(layerIndex: 0, layer: "input", message: "input dimensions must be in 1...\(limit), got \(spec.inputShape)")
        }
        return spec
    }
    guard let preset = Preset(rawValue: text) else {
        throw NetworkShapeError(layerIndex: 0, layer: "preset",
                                message: "unknown preset '\(text)'; use one of \(Preset.allCases.map(\.rawValue).joined(separator: ", ")) or a JSON network spec")
    }
    return preset.spec()
}

/// Builds a model from a preset name or JSON spec, with weights drawn from `seed`.
@c(scratchnet_model_create)
public func scratchnetModelCreate(_ spec: UnsafePointer<CChar>?, _ seed: UInt64, _ maxBatch: Int32,
                                  _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "scratchnet_model_create: out is NULL") }
    out.pointee = nil
    guard let spec else { return fail(.invalidArgument, "scratchnet_model_create: spec is NULL") }
    guard maxBatch >= 1 else { return fail(.invalidArgument, "scratchnet_model_create: max_batch must be >= 1, got \(maxBatch)") }
    do {
        let sgd = SGD()
        let network = try Network(spec: parseSpec(String(cString: spec)), maxBatch: Int(maxBatch),
                                  optimizer: sgd, seed: seed)
        out.pointee = ModelHandle(network: network, sgd: sgd).retainedPointer()
        return Status.ok.rawValue
    } catch {
        return fail(error, context: "scratchnet_model_create")
    }
}

/// Loads a model file (safetensors written by `scratchnet_model_save` or `scratchnet train --save`).
@c(scratchnet_model_load)
public func scratchnetModelLoad(_ path: UnsafePointer<CChar>?, _ maxBatch: Int32,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "scratchnet_model_load: out is NULL") }
    out.pointee = nil
    guard let path else { return fail(.invalidArgument, "scratchnet_model_load: path is NULL") }
    guard maxBatch >= 1 else { return fail(.invalidArgument, "scratchnet_model_load: max_batch must be >= 1, got \(maxBatch)") }
    return ModelFiles.load(path: String(cString: path), maxBatch: Int(maxBatch), out: out)
}

/// Imports an ONNX model (e.g. written by `torch.onnx.export`) as a model.
@c(scratchnet_model_import_onnx)
public func scratchnetModelImportONNX(_ path: UnsafePointer<CChar>?, _ maxBatch: Int32,
                                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "scratchnet_model_import_onnx: out is NULL") }
    out.pointee = nil
    guard let path else { return fail(.invalidArgument, "scratchnet_model_import_onnx: path is NULL") }
    guard maxBatch >= 1 else { return fail(.invalidArgument, "scratchnet_model_import_onnx: max_batch must be >= 1, got \(maxBatch)") }
    return ModelFiles.importONNX(path: String(cString: path), maxBatch: Int(maxBatch), out: out)
}

/// Saves `model` to `path` as a safetensors model file.
@c(scratchnet_model_save)
public func scratchnetModelSave(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_save: model is NULL") }
    let handle = ModelHandle.from(model)
    guard let path else { return fail(.invalidArgument, "scratchnet_model_save: path is NULL", model: handle) }
    return ModelFiles.save(handle, path: String(cString: path))
}

/// Releases `model`; NULL is allowed.
@c(scratchnet_model_free)
public func scratchnetModelFree(_ model: OpaquePointer?) -> Int32 {
    if let model { ModelHandle.release(model) }
    return Status.ok.rawValue
}

/// Floats per input sample, number of classes, and the largest training batch.
@c(scratchnet_model_info)
public func scratchnetModelInfo(_ model: OpaquePointer?, _ inputSize: UnsafeMutablePointer<Int64>?,
                                _ classes: UnsafeMutablePointer<Int64>?, _ maxBatch: UnsafeMutablePointer<Int64>?) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_info: model is NULL") }
    let network = ModelHandle.from(model).network
    inputSize?.pointee = Int64(network.sampleShape.count)
    classes?.pointee = Int64(network.classes)
    maxBatch?.pointee = Int64(ModelHandle.from(model).quantized?.maxBatch ?? network.maxBatch)
    return Status.ok.rawValue
}

/// Class probabilities for `batch` samples into the caller's `outputs`.
@c(scratchnet_model_predict)
public func scratchnetModelPredict(_ model: OpaquePointer?, _ inputs: UnsafePointer<Float>?, _ batch: Int64,
                                   _ outputs: UnsafeMutablePointer<Float>?, _ outputCapacity: Int64) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_predict: model is NULL") }
    let handle = ModelHandle.from(model)
    let network = handle.network
    guard batch >= 0 else { return fail(.invalidArgument, "scratchnet_model_predict: batch must be >= 0, got \(batch)", model: handle) }
    guard batch == 0 || (inputs != nil && outputs != nil) else {
        return fail(.invalidArgument, "scratchnet_model_predict: inputs or outputs is NULL", model: handle)
    }
    let classes = network.classes
    guard outputCapacity >= batch * Int64(classes) else {
        return fail(.invalidArgument, "scratchnet_model_predict: outputs holds \(outputCapacity) floats, \(batch) samples × \(classes) classes need \(batch * Int64(classes))", model: handle)
    }
    guard let inputs, let outputs else { return Status.ok.rawValue }
    if let quantized = handle.quantized { return predictQuantized(quantized, network.kernels, inputs, Int(batch), outputs) }
    // After loading, and after a training step changed the weights.
    if !network.isPreparedForInference { network.prepareForInference() }
    let sample = network.sampleShape.count
    var start = 0
    while start < Int(batch) {
        let n = min(network.maxBatch, Int(batch) - start)
        network.inputBuffer.pointer.update(from: inputs + start * sample, count: n * sample)
        let logits = network.inferenceForward(batch: n)
        network.kernels.softmax(logits.pointer, into: outputs + start * classes, rows: n, cols: classes)
        start += n
    }
    return Status.ok.rawValue
}

/// One SGD step on `batch` samples with int32 labels; writes the batch's mean loss.
@c(scratchnet_model_train_step)
public func scratchnetModelTrainStep(_ model: OpaquePointer?, _ inputs: UnsafePointer<Float>?,
                                     _ labels: UnsafePointer<Int32>?, _ batch: Int64, _ learningRate: Float,
                                     _ loss: UnsafeMutablePointer<Float>?) -> Int32 {
    guard let model else { return fail(.invalidArgument, "scratchnet_model_train_step: model is NULL") }
    let handle = ModelHandle.from(model)
    let network = handle.network
    guard let inputs, let labels else {
        return fail(.invalidArgument, "scratchnet_model_train_step: inputs or labels is NULL", model: handle)
    }
    guard batch >= 1, batch <= Int64(network.maxBatch) else {
        return fail(.invalidArgument, "scratchnet_model_train_step: batch must be in 1...\(network.maxBatch) (the model's max_batch), got \(batch)", model: handle)
    }
    guard learningRate > 0, learningRate.isFinite else {
        return fail(.invalidArgument, "scratchnet_model_train_step: learning rate must be a positive number, got \(learningRate)", model: handle)
    }
    guard handle.quantized == nil else {
        return fail(.invalidArgument, "scratchnet_model_train_step: the model is int8 (from `scratchnet quantize`) and runs inference only; train the float model", model: handle)
    }
    let n = Int(batch)
    for i in 0..<n where labels[i] < 0 || Int(labels[i]) >= network.classes {
        return fail(.invalidArgument, "scratchnet_model_train_step: label \(labels[i]) at index \(i) is not in 0..<\(network.classes)", model: handle)
    }
    network.inputBuffer.pointer.update(from: inputs, count: n * network.sampleShape.count)
    network.labelBuffer.baseAddress!.update(from: labels, count: n)
    handle.sgd.learningRate = learningRate
    let value = network.trainStep(batch: n)
    loss?.pointee = value
    guard value.isFinite else {
        return fail(.diverged, "scratchnet_model_train_step: the loss is \(value): training diverged; lower the learning rate", model: handle)
    }
    return Status.ok.rawValue
}
