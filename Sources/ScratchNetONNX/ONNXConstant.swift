import FoundationEssentials
import ScratchNetCore

/// A constant tensor of the graph (an initializer or a `Constant` node's
/// value), decoded on first use: float32 for weights, int64 for shapes.
struct ONNXConstant {
    let proto: Onnx_TensorProto

    /// The most elements one constant may have: ``LayerSpec/elementLimit``.
    static let elementLimit = LayerSpec.elementLimit

    var shape: [Int] { proto.dims.map { Int($0) } }

    /// The dimensions, checked non-negative with a bounded product.
    func checkedShape(_ fail: (String) -> ONNXError) throws -> (shape: [Int], count: Int) {
        guard proto.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Self.elementLimit) }), proto.dims.count <= 8 else {
            throw fail("tensor '\(proto.name)' has dimensions \(proto.dims)")
        }
        let shape = proto.dims.map { Int($0) }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Self.elementLimit else {
                throw fail("tensor '\(proto.name)' of shape \(shape) exceeds \(Self.elementLimit) elements")
            }
            count = product
        }
        return (shape, count)
    }

    func requireInline(_ fail: (String) -> ONNXError) throws {
        guard proto.dataLocation != .external, proto.externalData.isEmpty else {
            throw fail("tensor '\(proto.name)' keeps its data in an external file, which is not supported (save the model with its weights inside)")
        }
    }

    /// Float32 values in row-major order.
    func floats(_ fail: (String) -> ONNXError) throws -> (values: [Float], shape: [Int]) {
        try requireInline(fail)
        let (shape, count) = try checkedShape(fail)
        guard proto.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw fail("tensor '\(proto.name)' has data type \(Self.typeName(proto.dataType)); float32 is needed")
        }
        if proto.hasRawData {
            let raw = proto.rawData
            guard raw.count == count * 4 else {
                throw fail("tensor '\(proto.name)' of shape \(shape) needs \(count * 4) bytes of raw data, has \(raw.count)")
            }
            var values = [Float](repeating: 0, count: count)
            raw.withUnsafeBytes { bytes in
                for i in 0..<count {
                    var bits: UInt32 = 0
                    for k in 0..<4 { bits |= UInt32(bytes[4 * i + k]) << (8 * UInt32(k)) }
                    values[i] = Float(bitPattern: bits)
                }
            }
            return (values, shape)
        }
        guard proto.floatData.count == count else {
            throw fail("tensor '\(proto.name)' of shape \(shape) needs \(count) values, has \(proto.floatData.count)")
        }
        return (proto.floatData, shape)
    }

    /// Int64 values (a shape operand), row-major.
    func int64s(_ fail: (String) -> ONNXError) throws -> [Int64] {
        try requireInline(fail)
        let (shape, count) = try checkedShape(fail)
        guard proto.dataType == Int32(Onnx_TensorProto.DataType.int64.rawValue) else {
            throw fail("tensor '\(proto.name)' has data type \(Self.typeName(proto.dataType)); int64 is needed")
        }
        if proto.hasRawData {
            let raw = proto.rawData
            guard raw.count == count * 8 else {
                throw fail("tensor '\(proto.name)' of shape \(shape) needs \(count * 8) bytes of raw data, has \(raw.count)")
            }
            var values = [Int64](repeating: 0, count: count)
            raw.withUnsafeBytes { bytes in
                for i in 0..<count {
                    var v: UInt64 = 0
                    for k in 0..<8 { v |= UInt64(bytes[8 * i + k]) << (8 * UInt64(k)) }
                    values[i] = Int64(bitPattern: v)
                }
            }
            return values
        }
        guard proto.int64Data.count == count else {
            throw fail("tensor '\(proto.name)' of shape \(shape) needs \(count) values, has \(proto.int64Data.count)")
        }
        return proto.int64Data
    }

    /// A boolean scalar (Dropout's training_mode).
    func bool(_ fail: (String) -> ONNXError) throws -> Bool {
        try requireInline(fail)
        let (_, count) = try checkedShape(fail)
        guard proto.dataType == Int32(Onnx_TensorProto.DataType.bool.rawValue), count == 1 else {
            throw fail("tensor '\(proto.name)' is not one boolean")
        }
        if proto.hasRawData { return proto.rawData.first.map { $0 != 0 } ?? false }
        return proto.int32Data.first.map { $0 != 0 } ?? false
    }

    static func typeName(_ code: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(code)).map { "\($0)" } ?? "\(code)"
    }
}
