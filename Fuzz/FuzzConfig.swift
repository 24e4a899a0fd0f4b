import Foundation

/// libFuzzer entry point for configuration files: the project's JSON parser
/// (JSONValue, which reads safetensors headers and model specs) and
/// TrainingConfiguration's decoding. Any bytes must parse or throw, never
/// crash, hang or overflow the stack; what parses must re-serialize to JSON
/// that parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONValue.parse(bytes) {
        let again = try? JSONValue.parse(Array(value.serialized.utf8))
        precondition(again == value, "JSON does not round-trip")
    }
    if let config = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(bytes)) {
        if let written = try? config.jsonBytes() {
            precondition((try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(written))) == config)
        }
    }
    return 0
}
