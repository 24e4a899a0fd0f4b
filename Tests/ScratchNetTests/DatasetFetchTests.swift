import Foundation
import Testing
import ScratchNet
import ScratchNetTestSupport

/// Data set downloads from a local server (127.0.0.1 only, never the network).
@Suite("Data set fetching", .serialized)
struct DatasetFetchTests {
    init() {
        // libcurl honours proxy variables; loopback must never go through one.
        setenv("no_proxy", "127.0.0.1,localhost", 1)
        setenv("NO_PROXY", "127.0.0.1,localhost", 1)
    }

    @Test func digestsMatchPublishedTestVectors() {
        #expect(Checksums.md5([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Checksums.md5(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Checksums.md5(Array("The quick brown fox jumps over the lazy dog".utf8)) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(Checksums.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Checksums.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Checksums.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million 'a's crosses many blocks.
        #expect(Checksums.sha256([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A small MNIST-format set and its manifest.
    func syntheticSet() -> (manifest: DatasetManifest, files: [String: [UInt8]]) {
        var files: [String: [UInt8]] = [:]
        var manifestFiles: [DatasetManifest.File] = []
        for (name, array) in [("train-images-idx3-ubyte.gz", IDXArray(dims: [4, 2, 2], bytes: Array(0..<16))),
                              ("train-labels-idx1-ubyte.gz", IDXArray(dims: [4], bytes: [0, 1, 2, 1])),
                              ("t10k-images-idx3-ubyte.gz", IDXArray(dims: [2, 2, 2], bytes: Array(16..<24))),
                              ("t10k-labels-idx1-ubyte.gz", IDXArray(dims: [2], bytes: [2, 0]))] {
            let gz = TestGzip.compress(array.encoded())
            files["/data/" + name] = gz
            manifestFiles.append(.init(name: name, md5: Checksums.md5(gz), contentSHA256: nil))
        }
        return (DatasetManifest(name: "synthetic", mirrors: [], files: manifestFiles), files)
    }

    @Test func fetchesVerifiesAndWritesEveryFileFromTheMirror() throws {
        let (manifest, files) = syntheticSet()
        let server = try LocalHTTPServer(files: files)
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let fetcher = DatasetFetcher(manifest: manifest, mirror: server.baseURL + "data")
        let paths = try fetcher.fetch(to: dir.path("set"))
        #expect(paths.count == 4)
        for file in manifest.files {
            #expect(try AtomicFile.read(dir.path("set/\(file.name)")) == files["/data/" + file.name])
        }
        let (train, test) = try MNISTFormat.load(directory: dir.path("set"))
        #expect(train.count == 4 && test.count == 2 && train.labels == [0, 1, 2, 1])
        // A second fetch finds the files present and verified.
        var present = 0
        _ = try fetcher.fetch(to: dir.path("set")) { if case .alreadyPresent = $0 { present += 1 } }
        #expect(present == 4)
    }

    @Test func corruptedDownloadIsRefusedAndNeverWritten() throws {
        var (manifest, files) = syntheticSet()
        files["/data/train-labels-idx1-ubyte.gz"]![12] ^= 0xFF
        let server = try LocalHTTPServer(files: files)
        defer { server.stop() }
        let dir = TemporaryDirectory()
        manifest.files = Array(manifest.files.prefix(2))
        #expect { try DatasetFetcher(manifest: manifest, mirror: server.baseURL + "data").fetch(to: dir.path("set")) } throws: { error in
            guard case FetchError.allMirrorsFailed(let file, let attempts) = error else { return false }
            return file == "train-labels-idx1-ubyte.gz" && attempts.count == 1 && attempts[0].contains("checksum mismatch")
        }
        #expect(FileManager.default.fileExists(atPath: dir.path("set/train-images-idx3-ubyte.gz")))
        #expect(!FileManager.default.fileExists(atPath: dir.path("set/train-labels-idx1-ubyte.gz")))
    }

    @Test func missingFileReportsTheHTTPStatus() throws {
        let (manifest, _) = syntheticSet()
        let server = try LocalHTTPServer(files: [:])
        defer { server.stop() }
        let dir = TemporaryDirectory()
        #expect { try DatasetFetcher(manifest: manifest, mirror: server.baseURL).fetch(to: dir.path("set")) } throws: { error in
            "\(error)" == "train-images-idx3-ubyte.gz: HTTP 404 from \(server.baseURL)train-images-idx3-ubyte.gz"
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
                   "Fashion-MNIST not installed"))
    func realFashionManifestAcceptsDebiansRecompressedFilesByContent() throws {
        var files: [String: [UInt8]] = [:]
        for file in DatasetManifest.fashionMNIST.files {
            files["/fm/" + file.name] = try AtomicFile.read("/usr/share/datasets/fashion-mnist/" + file.name)
        }
        // Debian recompressed the files: the published MD5s do not match them,
        // the uncompressed contents' SHA-256s do.
        let labels = DatasetManifest.fashionMNIST.files[3]
        #expect(Checksums.md5(files["/fm/" + labels.name]!) != labels.md5)
        #expect(DatasetManifest.fashionMNIST.verifies(labels, bytes: files["/fm/" + labels.name]!))
        let server = try LocalHTTPServer(files: files)
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let paths = try DatasetFetcher(manifest: .fashionMNIST, mirror: server.baseURL + "fm/").fetch(to: dir.path("fm"))
        #expect(paths.count == 4)
        let test = try MNISTFormat.loadTestSet(directory: dir.path("fm"))
        #expect(test.count == 10_000)
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"] {
            unlink(dir.path("fm/" + name))
        }
        rmdir(dir.path("fm"))
    }
}

/// gzip for test files through the same zlib the library links.
enum TestGzip {
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        let dir = TemporaryDirectory()
        let array = try! IDXArray.parse(bytes, path: "memory")
        try! array.write(to: dir.path("x.gz"))
        return try! AtomicFile.read(dir.path("x.gz"))
    }

    /// Any bytes as one gzip member (gzip(1) on a file of them).
    static func compressRaw(_ bytes: [UInt8]) -> [UInt8] {
        let dir = TemporaryDirectory()
        try! AtomicFile.write(bytes, to: dir.path("x"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", dir.path("x")]
        try! process.run()
        process.waitUntilExit()
        return try! AtomicFile.read(dir.path("x.gz"))
    }
}
