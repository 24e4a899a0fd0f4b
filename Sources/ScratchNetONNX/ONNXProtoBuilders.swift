import FoundationEssentials

// Small constructors for the generated ONNX messages, so the exporter reads
// as a list of nodes rather than of protobuf field assignments.

extension Onnx_TensorProto {
    /// A float32 initializer stored little-endian in `raw_data` (what
    /// onnxruntime and torch.onnx.export write).
    static func floats(_ name: String, _ values: [Float], shape: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = shape.map(Int64.init)
        var raw = [UInt8]()
        raw.reserveCapacity(values.count * 4)
        for v in values {
            let bits = v.bitPattern
            raw.append(UInt8(truncatingIfNeeded: bits))
            raw.append(UInt8(truncatingIfNeeded: bits >> 8))
            raw.append(UInt8(truncatingIfNeeded: bits >> 16))
            raw.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        t.rawData = Data(raw)
        return t
    }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}

extension Onnx_NodeProto {
    init(_ op: String, name: String, inputs: [String], outputs: [String], attributes: [Onnx_AttributeProto] = []) {
        self.init()
        self.opType = op
        self.name = name
        self.input = inputs
        self.output = outputs
        self.attribute = attributes
    }
}

extension Onnx_ValueInfoProto {
    /// A float32 tensor whose first dimension is the symbolic batch size.
    static func batchedFloats(_ name: String, sample: [Int]) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        var shape = Onnx_TensorShapeProto()
        shape.dim = [batch] + sample.map { size in
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = Int64(size)
            return d
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
