extension MNISTFormat {
    /// The four file names of an MNIST-format set, without `.gz`.
    public static let fileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Path of `stem` in `directory`, plain or gzipped.
    static func locate(_ stem: String, in directory: String) throws -> String {
        let plain = "\(directory)/\(stem)"
        if fileExists(plain) { return plain }
        if fileExists(plain + ".gz") { return plain + ".gz" }
        throw DataError.fileNotFound(path: plain + ".gz")
    }

    /// Only the training images and labels (a search never reads the test set).
    public static func loadTrainingSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[0], in: directory), labelsPath: locate(fileStems[1], in: directory))
    }

    /// Only the test images and labels.
    public static func loadTestSet(directory: String) throws -> LabeledImages {
        try LabeledImages(imagesPath: locate(fileStems[2], in: directory), labelsPath: locate(fileStems[3], in: directory))
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ScratchNetCore

/// The files of a downloadable data set and where to get them.
public struct DatasetManifest: Sendable {
    public struct File: Sendable {
        /// File name, as published and as written ("train-images-idx3-ubyte.gz").
        public var name: String
        /// Published MD5 of the file as downloaded.
        public var md5: String
        /// SHA-256 of the uncompressed contents: accepts a mirror that
        /// recompressed the same data (Debian's packages do).
        public var contentSHA256: String?

        public init(name: String, md5: String, contentSHA256: String? = nil) {
            self.name = name
            self.md5 = md5
            self.contentSHA256 = contentSHA256
        }
    }

    public var name: String
    /// Base URLs, tried in order; a file is fetched from base + name.
    public var mirrors: [String]
    public var files: [File]

    public init(name: String, mirrors: [String], files: [File]) {
        self.name = name
        self.mirrors = mirrors
        self.files = files
    }

    /// MNIST, with the digests torchvision publishes for these mirrors.
    public static let mnist = DatasetManifest(
        name: "mnist",
        mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                  "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            File(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"),
        ])

    /// Fashion-MNIST: MD5s from Zalando's README; content SHA-256s computed
    /// from Debian's `dataset-fashion-mnist` (same IDX data, recompressed).
    public static let fashionMNIST = DatasetManifest(
        name: "fashion-mnist",
        mirrors: ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                 contentSHA256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            File(name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe",
                 contentSHA256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79",
                 contentSHA256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310",
                 contentSHA256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ])

    public static func named(_ name: String) -> DatasetManifest? {
        switch name.lowercased() {
        case "mnist": return .mnist
        case "fashion-mnist", "fashion_mnist", "fashionmnist": return .fashionMNIST
        default: return nil
        }
    }

    /// Whether `bytes` are this file: the published MD5, or the same
    /// uncompressed contents.
    public func verifies(_ file: File, bytes: [UInt8]) -> Bool {
        if Checksums.md5(bytes) == file.md5 { return true }
        guard let expected = file.contentSHA256, Gzip.isGzip(bytes),
              let content = try? Gzip.decompress(bytes, path: file.name) else { return false }
        return Checksums.sha256(content) == expected
    }
}

/// Why a download failed; messages name the URL or file.
public enum FetchError: Error, CustomStringConvertible, Equatable {
    case http(url: String, status: Int)
    case transport(url: String, reason: String)
    case checksumMismatch(url: String, expectedMD5: String, actualMD5: String)
    case allMirrorsFailed(file: String, attempts: [String])

    public var description: String {
        switch self {
        case let .http(url, status): return "\(url): HTTP status \(status)"
        case let .transport(url, reason): return "\(url): \(reason)"
        case let .checksumMismatch(url, expected, actual):
            return "\(url): checksum mismatch (MD5 \(actual), expected \(expected)): corrupted or not the published file; refused"
        case let .allMirrorsFailed(file, attempts):
            return "\(file): no mirror gave a verified copy:\n  " + attempts.joined(separator: "\n  ")
        }
    }
}

/// Something that GETs a URL's body (a URLSession in real use; tests can swap it).
public protocol HTTPGetting: Sendable {
    func get(_ url: String) throws -> [UInt8]
}

/// Blocking GET through Foundation's URLSession (libcurl on Linux).
public struct URLSessionGetter: HTTPGetting {
    public var timeout: Double
    public init(timeout: Double = 120) { self.timeout = timeout }

    public func get(_ url: String) throws -> [UInt8] {
        guard let u = URL(string: url) else { throw FetchError.transport(url: url, reason: "not a URL") }
        final class Box: @unchecked Sendable { var result: Result<(Data, Int), Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: u)
        request.timeoutInterval = timeout
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(FetchError.transport(url: url, reason: error.localizedDescription))
            } else {
                box.result = .success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        let (data, status) = try box.result!.get()
        guard status == 200 else { throw FetchError.http(url: url, status: status) }
        return Array(data)
    }
}

/// Downloads a data set's files into a directory, verifying each against
/// its published digest and writing it atomically; a corrupted download is
/// never written. Files already present and verified are kept.
public struct DatasetFetcher: Sendable {
    public var manifest: DatasetManifest
    public var getter: any HTTPGetting

    /// - Parameter mirror: a base URL tried before the manifest's own.
    public init(manifest: DatasetManifest, mirror: String? = nil, getter: any HTTPGetting = URLSessionGetter()) {
        var m = manifest
        if let mirror { m.mirrors = [mirror.hasSuffix("/") ? mirror : mirror + "/"] }
        self.manifest = m
        self.getter = getter
    }

    public enum Event: Sendable {
        case alreadyPresent(file: String)
        case downloading(url: String)
        case verified(file: String, bytes: Int)
        case rejected(FetchError)
    }

    /// Fetches every file into `directory` (created if needed); returns the paths.
    public func fetch(to directory: String, onEvent: (Event) -> Void = { _ in }) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths: [String] = []
        for file in manifest.files {
            let path = "\(directory)/\(file.name)"
            if let existing = try? AtomicFile.read(path), manifest.verifies(file, bytes: existing) {
                onEvent(.alreadyPresent(file: path))
                paths.append(path)
                continue
            }
            var attempts: [String] = []
            var saved = false
            for base in manifest.mirrors {
                let url = base + file.name
                onEvent(.downloading(url: url))
                do {
                    let bytes = try getter.get(url)
                    guard manifest.verifies(file, bytes: bytes) else {
                        throw FetchError.checksumMismatch(url: url, expectedMD5: file.md5, actualMD5: Checksums.md5(bytes))
                    }
                    try AtomicFile.write(bytes, to: path)
                    onEvent(.verified(file: path, bytes: bytes.count))
                    saved = true
                    break
                } catch let error as FetchError {
                    onEvent(.rejected(error))
                    attempts.append(error.description)
                } catch {
                    attempts.append("\(url): \(error)")
                }
            }
            guard saved else { throw FetchError.allMirrorsFailed(file: file.name, attempts: attempts) }
            paths.append(path)
        }
        return paths
    }
}
