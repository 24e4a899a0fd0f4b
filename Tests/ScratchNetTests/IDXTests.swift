import Testing
import ScratchNet
import ScratchNetTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("IDX files")
struct IDXTests {
    let directory = TemporaryDirectory()

    @Test(arguments: ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
    func idxRoundTripsRawAndGzipped(name: String) throws {
        let array = IDXArray(dims: [3, 2, 5], bytes: (0..<30).map { UInt8($0 * 7 % 256) })
        let path = directory.path(name)
        try array.write(to: path)
        #expect(try IDXArray.read(path: path) == array)
    }

    @Test func labeledImagesLoadAndScalePixels() throws {
        let images = IDXArray(dims: [2, 2, 2], bytes: [0, 255, 51, 102, 1, 2, 3, 4])
        let labels = IDXArray(dims: [2], bytes: [3, 1])
        try images.write(to: directory.path("i.gz"))
        try labels.write(to: directory.path("l"))
        let set = try LabeledImages(imagesPath: directory.path("i.gz"), labelsPath: directory.path("l"))
        #expect(set.count == 2)
        #expect(set.sampleShape == [1, 2, 2])
        let arena = try Arena(capacity: 4096)
        let input = try arena.allocate(Shape(2, 1, 2, 2), name: "x")
        let out = try arena.allocateInt32(count: 2, name: "y")
        let order: [Int32] = [1, 0]
        order.withUnsafeBufferPointer { set.fillBatch(indices: $0, into: input, labels: out, kernels: FastKernels()) }
        #expect(input.toArray() == [1, 2, 3, 4, 0, 255, 51, 102].map { Float($0) * (Float(1) / 255) })
        #expect(Array(out) == [1, 3])
    }

    /// Asserts that reading `bytes` (written as `name`) fails with `expected`.
    func expectReadError(_ bytes: [UInt8], name: String, _ expected: (String) -> DataError) throws {
        let path = directory.path(name)
        try AtomicFile.write(bytes, to: path)
        #expect(throws: expected(path)) { try IDXArray.read(path: path) }
        do { _ = try IDXArray.read(path: path) } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(path + ":"), "message names the file: \(message)")
            #expect(!message.contains("\n"), "one line: \(message)")
        }
    }

    @Test func missingFileIsReportedByName() {
        let path = directory.path("nope-idx1-ubyte")
        #expect(throws: DataError.fileNotFound(path: path)) { try IDXArray.read(path: path) }
    }

    @Test func wrongMagicIsRejected() throws {
        try expectReadError([0x50, 0x4B, 3, 4, 0, 0, 0, 0], name: "zip") { .wrongMagic(path: $0, found: [0x50, 0x4B, 3, 4]) }
    }

    @Test func unsupportedElementTypeIsRejected() throws {
        try expectReadError([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], name: "floats") { .unsupportedElementType(path: $0, code: 0x0D) }
    }

    @Test func truncatedHeaderIsRejected() throws {
        try expectReadError([0, 0, 8, 3, 0, 0, 0, 2, 0, 0], name: "short") { .truncatedHeader(path: $0, bytes: 10, needed: 16) }
        try expectReadError([0, 0], name: "tiny") { .truncatedHeader(path: $0, bytes: 2, needed: 4) }
    }

    @Test func truncatedDataIsRejected() throws {
        try expectReadError([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3], name: "cut") { .truncatedData(path: $0, expected: 5, actual: 3) }
    }

    @Test func absurdHeaderSizeIsRejectedWithoutAllocating() throws {
        // 4 dims of 0xFFFFFFFF: 2^128 bytes claimed.
        try expectReadError([0, 0, 8, 4] + [UInt8](repeating: 0xFF, count: 16), name: "huge") {
            .sizeOverflow(path: $0, dims: [UInt8](repeating: 0, count: 4).map { _ in 4_294_967_295 })
        }
        // A plausible claim the file does not back up.
        try expectReadError([0, 0, 8, 2, 0, 0, 0xEA, 0x60, 0, 0, 3, 0x10, 7], name: "claims") {
            .truncatedData(path: $0, expected: 60000 * 784, actual: 1)
        }
    }

    @Test func trailingBytesAreRejected() throws {
        try expectReadError([0, 0, 8, 1, 0, 0, 0, 1, 9, 9], name: "long") { .trailingData(path: $0, expected: 1, actual: 2) }
    }

    @Test func nonGzipDataWithGzName() throws {
        try expectReadError([0, 0, 8, 1, 0, 0, 0, 1, 9], name: "plain.gz") { .notGzip(path: $0) }
    }

    @Test func truncatedGzipIsRejected() throws {
        let array = IDXArray(dims: [1000], bytes: (0..<1000).map { UInt8($0 % 251) })
        let path = directory.path("cut.gz")
        try array.write(to: path)
        let whole = try AtomicFile.read(path)
        try AtomicFile.write(Array(whole.prefix(whole.count / 2)), to: path)
        #expect { try IDXArray.read(path: path) } throws: { error in
            guard case DataError.corruptGzip(let p, _) = error else { return false }
            return p == path
        }
    }

    @Test func imageLabelCountMismatchIsRejected() throws {
        try IDXArray(dims: [2, 1, 1], bytes: [1, 2]).write(to: directory.path("i"))
        try IDXArray(dims: [3], bytes: [0, 1, 2]).write(to: directory.path("l"))
        #expect(throws: DataError.countMismatch(images: directory.path("i"), imageCount: 2,
                                                labels: directory.path("l"), labelCount: 3)) {
            try LabeledImages(imagesPath: directory.path("i"), labelsPath: directory.path("l"))
        }
    }

    @Test func missingDatasetFileIsNamed() throws {
        #expect(throws: DataError.fileNotFound(path: directory.path("train-images-idx3-ubyte.gz"))) {
            try MNISTFormat.load(directory: directory.root)
        }
    }
}
