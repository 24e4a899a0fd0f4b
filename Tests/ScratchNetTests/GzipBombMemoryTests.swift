import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// `train` on gzip bombs under an address-space cap (`prlimit --as`, i.e.
/// setrlimit(RLIMIT_AS) in the child) below what inflating them to the data
/// limit took (1.14 GB peak RSS for the CSV bomb, 1.87 GB for the IDX one):
/// the run must end with a one-line error (the values or the inflated bytes
/// a file of its size may hold) and status 65,
/// never be killed by the allocator.
@Suite("gzip bombs under a memory cap", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct GzipBombMemoryTests {
    let dir = TemporaryDirectory()

    /// Address space of the capped runs. A two-layer run on small data maps
    /// 129–192 MiB (RandomFlagPropertyTests measures it); what a bomb may
    /// still inflate to (32 × its few MB) fits well below 768 MiB.
    static let addressSpaceCap = 768 << 20

    func trainCapped(data: String) throws -> TestTools.Result {
        try TestTools.run("/usr/bin/prlimit", ["--as=\(Self.addressSpaceCap)", "--", TestTools.scratchnet!,
                                               "train", "--data", data, "--epochs", "1", "--quiet", "--model", "two-layer"],
                          environment: ["SWIFT_BACKTRACE": "enable=no"])
    }

    @Test func csvBombEndsWithTheInflationErrorUnderTheCap() throws {
        let path = dir.path("bomb.csv.gz")
        // 1000 MB of valid rows in about 3.5 MB.
        try AtomicFile.write(HostileFileCrafting.csvBomb(megabytes: 1000), to: path)
        let result = try trainCapped(data: path)
        #expect(!result.signaled && result.status == 65, "\(result.status): \(result.output)")
        // Rows of zeros reach the values a gzip file of this size may hold before the text limit.
        #expect(result.output.contains("values, 4 per byte of a") || result.output.contains("inflates beyond the limit of"), "\(result.output)")
        #expect(result.output.split(separator: "\n").count == 1, "\(result.output)")
    }

    @Test func idxBombEndsWithTheInflationErrorUnderTheCap() throws {
        let data = dir.path("idx")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // The header declares 1.2 M images (940 MB, within the data limit); 1000 MB of zeros follow in about 1 MB.
        try AtomicFile.write(HostileFileCrafting.idxBomb(count: 1_200_000, megabytes: 1000), to: data + "/train-images-idx3-ubyte.gz")
        try IDXArray(dims: [10], bytes: [UInt8](repeating: 1, count: 10)).write(to: data + "/train-labels-idx1-ubyte.gz")
        try IDXArray(dims: [10, 28, 28], bytes: [UInt8](repeating: 9, count: 7840)).write(to: data + "/t10k-images-idx3-ubyte.gz")
        try IDXArray(dims: [10], bytes: [UInt8](repeating: 1, count: 10)).write(to: data + "/t10k-labels-idx1-ubyte.gz")
        let result = try trainCapped(data: data)
        #expect(!result.signaled && result.status == 65, "\(result.status): \(result.output)")
        #expect(result.output.contains("inflates beyond the limit of"), "\(result.output)")
    }

    @Test func plausibleInflationScalesWithTheFileUpToTheCap() {
        #expect(Gzip.plausibleInflation(compressedBytes: 1000, cap: 1 << 30) == Gzip.plausibleFloor)
        #expect(Gzip.plausibleInflation(compressedBytes: 4 << 20, cap: 1 << 30) == Gzip.plausibleRatio * (4 << 20))
        #expect(Gzip.plausibleInflation(compressedBytes: 500 << 20, cap: 1 << 30) == 1 << 30)
        #expect(Gzip.plausibleInflation(compressedBytes: .max, cap: 1 << 30) == 1 << 30)
    }
}
