/// The libFuzzer harness (see FuzzModelFiles.swift) for the model-file and checkpoint loaders: any
/// bytes must load or throw, never crash, trap on overflow or hang. A file
/// that passes `ModelFile.spec(in:)` is built into a network (naive
/// kernels), its tensors copied in; a checkpoint is then restored into a
/// trainer over a small data set of the spec's input shape.
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? SafeTensors(parsing: bytes, path: "fuzz"),
          let spec = try? ModelFile.spec(in: file) else { return 0 }
    // The loader's job ends at a sane spec; past this bound the harness
    // would only measure the allocator (specs may legally ask for GiBs).
    guard let shapes = try? spec.outputShapes(),
          let samples = try? CheckedSize.product(spec.inputShape, field: "input", source: "fuzz", limit: 1 << 16),
          shapes.allSatisfy({ (try? CheckedSize.product($0, field: "layer", source: "fuzz", limit: 1 << 16)) != nil }),
          spec.layers.count <= 64 else { return 0 }
    guard let network = try? Network(spec: spec, maxBatch: 4, backend: .naive, optimizer: SGD(learningRate: 0.1)),
          (try? ModelFile.restore(network, from: file)) != nil else { return 0 }
    for p in network.parameters {
        for i in 0..<p.value.count { precondition(p.value.pointer[i].isFinite, "a non-finite weight was loaded") }
    }
    guard file.metadata[Checkpoint.kindKey] == "checkpoint",
          let batch = file.metadata["checkpoint.batch_size"].flatMap(Int.init), (1...4).contains(batch) else { return 0 }
    let count = file.info("trainer.order")?.elementCount ?? 0
    guard (batch...256).contains(count) else { return 0 }
    let classes = network.classes
    let labels = (0..<count).map { UInt8($0 % min(classes, 256)) }
    let train = LabeledImages(pixels: [UInt8](repeating: 7, count: count * samples), labels: labels,
                              sampleShape: spec.inputShape, source: "fuzz")
    let options = Trainer.Options(epochs: 2, batchSize: batch, seed: 1, adaptiveThreads: false)
    guard let trainer = try? Trainer(network: network, train: train, test: nil, options: options),
          (try? Checkpoint.restore(trainer, from: file)) != nil else { return 0 }
    // A restored run must be able to go on: one step draws from its generators.
    _ = try? trainer.run(afterStep: { _ in false })
    return 0
}
