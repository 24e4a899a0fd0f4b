/// TFRecord framing, the container of TensorBoard event files: per record
/// the payload's length as a little-endian UInt64, the masked CRC-32C of
/// those 8 bytes, the payload, and the masked CRC-32C of the payload (all
/// checksums little-endian UInt32).
public enum TFRecord {
    /// One framed record around `payload`.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 16)
        let length = littleEndian(UInt64(payload.count))
        bytes += length
        bytes += littleEndian(CRC32C.masked(CRC32C.checksum(length)))
        bytes += payload
        bytes += littleEndian(CRC32C.masked(CRC32C.checksum(payload)))
        return bytes
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
