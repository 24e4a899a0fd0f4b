import CZlib

/// NumPy's `.npy` (one array) and `.npz` (a zip of `.npy` files) formats,
/// for handing weights to numpy (`np.load`) without any other package.
///
/// `.npy` v1.0: the magic `\x93NUMPY`, version 1.0, a little-endian 16-bit
/// header length, a Python-literal header dict padded with spaces and a
/// newline so the data starts on a 64-byte boundary, then the raw
/// little-endian float32 data in C order. `.npz` entries are stored
/// uncompressed, which `np.load` reads as well as deflated ones.
public enum NumPy {
    /// One float32 array as `.npy` bytes.
    public static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "NumPy.npy: shape \(shape) does not hold \(values.count) values")
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }".utf8)
        let prefix = 10
        while (prefix + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out.append(UInt8(header.count & 0xFF))
        out.append(UInt8(header.count >> 8))
        out += header
        out.reserveCapacity(out.count + values.count * 4)
        for v in values {
            let bits = v.bitPattern
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k)))) }
        }
        return out
    }

    /// Named float32 arrays as `.npz` bytes (`name.npy` entries, stored).
    public static func npz(_ arrays: [(name: String, values: [Float], shape: [Int])]) -> [UInt8] {
        var zip = ZipWriter()
        for a in arrays { zip.addStored(name: a.name + ".npy", data: npy(a.values, shape: a.shape)) }
        return zip.finish()
    }
}

/// A minimal zip archive writer: stored (uncompressed) entries, zip32.
struct ZipWriter {
    private var out: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }

    mutating func addStored(name: String, data: [UInt8]) {
        precondition(data.count < Int(UInt32.max) && out.count < Int(UInt32.max), "ZipWriter: entry too large for zip32")
        let nameBytes = Array(name.utf8)
        let crc = data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        let offset = UInt32(out.count)
        let size = Self.le32(UInt32(data.count))
        // Version 2.0, no flags, method 0 (stored), time/date 0 (1980-01-01).
        let common = Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)
            + Self.le32(crc) + size + size + Self.le16(nameBytes.count) + Self.le16(0)
        out += Self.le32(0x0403_4B50) + common + nameBytes + data
        central += Self.le32(0x0201_4B50) + Self.le16(20) + common + Self.le16(0) + Self.le16(0) + Self.le16(0)
            + Self.le32(0) + Self.le32(offset) + nameBytes
        count += 1
    }

    func finish() -> [UInt8] {
        let centralOffset = UInt32(out.count)
        return out + central + Self.le32(0x0605_4B50) + Self.le16(0) + Self.le16(0)
            + Self.le16(count) + Self.le16(count) + Self.le32(UInt32(central.count)) + Self.le32(centralOffset) + Self.le16(0)
    }
}
