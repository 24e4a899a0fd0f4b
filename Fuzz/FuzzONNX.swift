/// The libFuzzer harness (see FuzzModelFiles.swift) for the ONNX importer: any bytes must import or
/// throw, never crash, trap on overflow or hang. A graph that imports with
/// modest shapes is built into a network (naive kernels) and run once.
func fuzzONNX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let imported = try? ONNXModel.read(bytes: bytes, source: "fuzz") else { return 0 }
    let spec = imported.spec
    // Past this bound the harness would only measure the allocator.
    guard let shapes = try? spec.outputShapes(),
          (try? CheckedSize.product(spec.inputShape, field: "input", source: "fuzz", limit: 1 << 16)) != nil,
          shapes.allSatisfy({ (try? CheckedSize.product($0, field: "layer", source: "fuzz", limit: 1 << 16)) != nil }),
          spec.layers.count <= 64 else { return 0 }
    guard let network = try? imported.makeNetwork(maxBatch: 2, backend: .naive) else { return 0 }
    network.inputBuffer.fill(0.5)
    _ = network.forward(batch: 2, training: false)
    return 0
}
