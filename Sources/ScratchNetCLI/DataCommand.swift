import ArgumentParser
import Foundation
import ScratchNet

/// `scratchnet data`: fetch and describe data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Download (verified) or describe data sets.",
        subcommands: [Fetch.self, Info.self]
    )

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download mnist or fashion-mnist, verifying published checksums; corrupted files are refused.")

        @Argument(help: "mnist or fashion-mnist.")
        var name: String
        @Option(help: "Destination directory.")
        var to: String
        @Option(help: "Base URL to fetch the files from instead of the public mirrors.")
        var mirror: String?
        @Option(help: "Give up on a file's download from one mirror after this many seconds, however slowly it is still arriving.")
        var timeout: Double = DownloadLimits().timeout
        @Option(help: "Refuse more than this many bytes for one file (the built-in files are also held to their published sizes).")
        var maxBytes: Int = DownloadLimits().maxBytes

        func validate() throws {
            guard DatasetManifest.named(name) != nil else { throw ValidationError("unknown data set '\(name)'; choose mnist or fashion-mnist") }
            guard timeout.isFinite, timeout > 0, timeout <= DownloadLimits.maximumTimeout else {
                throw ValidationError("--timeout must be a positive number of seconds, at most \(Int(DownloadLimits.maximumTimeout)) (a week)")
            }
            guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        }

        func run() throws {
            let fetcher = DatasetFetcher(manifest: DatasetManifest.named(name)!, mirror: mirror,
                                         limits: DownloadLimits(timeout: timeout, maxBytes: maxBytes))
            // A mirror's failure is worth a line only when another mirror then
            // succeeds; when all fail, the error line lists every attempt.
            var rejected: [FetchError] = []
            let paths: [String]
            do {
                paths = try fetcher.fetch(to: to) { event in
                    switch event {
                    case .alreadyPresent(let file): print("\(file): present, checksum ok")
                    case .downloading(let url): print("downloading \(url)")
                    case let .verified(file, bytes):
                        for error in rejected { writeToStandardError("skipped a mirror: \(error)\n") }
                        rejected = []
                        print("\(file): \(bytes) bytes, checksum ok")
                    case .rejected(let error): rejected.append(error)
                    }
                }
            } catch let error as FetchError {
                switch error {
                case .unusableTarget, .cannotWrite: throw CLIFailure(.cannotCreate, error.description)
                default: throw CLIFailure(.failure, error.description)
                }
            }
            print("\(name): \(paths.count) files in \(to); train with: scratchnet train --data \(to)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print counts, shapes, class balance and pixel statistics.")

        @Argument(help: ArgumentHelp(
            "A directory of MNIST-format IDX files or a CSV file (default: $\(MNISTFormat.directoryVariable), else \(MNISTFormat.defaultDirectory)).",
            valueName: "path"), completion: .file())
        var source: String?

        func run() throws {
            let path = DataOptions.resolve(source, environment: ProcessInfo.processInfo.environment)
            try DataOptions.requireExisting(path)
            let names = DatasetInfo.classNames(forSource: path)
            if DataSource.isCSV(path) {
                let csv = try CSVDataset.read(path: path)
                print("\(path): CSV, features scaled from [\(csv.featureRange.lowerBound), \(csv.featureRange.upperBound)] to bytes")
                for line in DatasetInfo(csv.images).lines(name: "all", classNames: names) { print(line) }
                return
            }
            for line in DatasetInfo(try MNISTFormat.loadTrainingSet(directory: path)).lines(name: "train", classNames: names) { print(line) }
            for line in DatasetInfo(try MNISTFormat.loadTestSet(directory: path)).lines(name: "test", classNames: names) { print(line) }
        }
    }
}
