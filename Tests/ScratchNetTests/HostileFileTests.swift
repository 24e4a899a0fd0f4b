import Testing
import Foundation
import ScratchNet
import ScratchNetCore
import ScratchNetTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Files that are not what they claim: FIFOs, devices, huge or sparse files,
/// gzip bombs, trailing garbage, headers whose sizes overflow. Each must be a
/// one-line error naming the file, quickly, in bounded memory.
@Suite("Hostile input files")
struct HostileFileTests {
    let dir = TemporaryDirectory()

    /// Every reader of a file given by the user, by kind.
    static let readers: [(kind: String, read: @Sendable (String) throws -> Void)] = [
        ("IDX", { _ = try IDXArray.read(path: $0) }),
        ("CSV", { _ = try CSVDataset.read(path: $0) }),
        ("model", { _ = try SafeTensors.read(path: $0) }),
        ("config", { _ = try TrainingConfiguration.read(path: $0) }),
        ("raw", { _ = try AtomicFile.read($0, limit: .image) }),
    ]

    /// Runs `body` on a thread and waits at most `seconds`; nil on timeout.
    static func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Thread.detachNewThread {
            box.value = body()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success ? box.value : nil
    }

    final class ResultBox<T>: @unchecked Sendable { var value: T? }

    static func error(_ body: () throws -> Void) -> (any Error)? {
        do { try body(); return nil } catch { return error }
    }

    @Test func fifoIsRefusedAtOnceForEveryKind() throws {
        let fifo = dir.path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (kind, read) in Self.readers {
            let message = Self.withDeadline(5) { Self.error { try read(fifo) }.map { "\($0)" } ?? "no error" }
            if message == nil {
                // Release the blocked reader so the test process can go on.
                let fd = open(fifo, O_WRONLY | O_NONBLOCK)
                if fd >= 0 { close(fd) }
            }
            #expect(message == "\(fifo) is not a regular file (a FIFO)", "\(kind)")
        }
    }

    @Test func deviceIsRefusedWithoutReadingIt() throws {
        for (kind, read) in Self.readers {
            let message = Self.withDeadline(5) { Self.error { try read("/dev/zero") }.map { "\($0)" } ?? "no error" }
            #expect(message == "/dev/zero is not a regular file (a character device)", "\(kind)")
        }
        #expect(throws: DataError.notRegularFile(path: dir.root, kind: "a directory")) { try AtomicFile.read(dir.root) }
    }

    @Test func fileOverItsLimitIsRefusedBeforeReading() throws {
        // Sparse files: no disk space and no reading, only the size.
        func sparse(_ name: String, bytes: Int) -> String {
            let path = dir.path(name)
            let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
            #expect(fd >= 0 && ftruncate(fd, off_t(bytes)) == 0)
            close(fd)
            return path
        }
        let model = sparse("m.safetensors", bytes: 3_200_000_000)
        #expect { try SafeTensors.read(path: model) } throws: {
            "\($0)" == "\(model) is 3.2 GB; the limit for a model file is 2 GB"
        }
        let config = sparse("c.json", bytes: FileSizeLimit.config.bytes + 1)
        #expect(throws: DataError.fileTooLarge(path: config, bytes: FileSizeLimit.config.bytes + 1, limit: .config)) {
            try TrainingConfiguration.read(path: config)
        }
        let idx = sparse("train-images-idx3-ubyte", bytes: FileSizeLimit.data.bytes + 1)
        #expect(throws: DataError.fileTooLarge(path: idx, bytes: FileSizeLimit.data.bytes + 1, limit: .data)) {
            try IDXArray.read(path: idx)
        }
        let csv = sparse("big.csv", bytes: 5_000_000_000)
        #expect(throws: DataError.fileTooLarge(path: csv, bytes: 5_000_000_000, limit: .data)) { try CSVDataset.read(path: csv) }
    }

    /// gzip members that inflate to `megabytes` MB of zeros after `prefix`,
    /// built 1 MB at a time (concatenated members are one gzip stream).
    static func zerosBomb(prefix: [UInt8], megabytes: Int) -> [UInt8] {
        let zeros = Gzip.compress([UInt8](repeating: 0, count: 1 << 20), level: 9)
        var bomb = Gzip.compress(prefix)
        for _ in 0..<megabytes { bomb += zeros }
        return bomb
    }

    static let tenImagesHeader: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]

    @Test func idxGzipBombStopsAtTheSizeItsHeaderDeclares() throws {
        let path = dir.path("bomb-idx3-ubyte.gz")
        try AtomicFile.write(Self.zerosBomb(prefix: Self.tenImagesHeader, megabytes: 100), to: path)
        let declared = 16 + 10 * 28 * 28
        #expect(throws: DataError.inflatesTooLarge(path: path, limit: declared, declared: true)) { try IDXArray.read(path: path) }
        #expect("\(DataError.inflatesTooLarge(path: path, limit: declared, declared: true))"
                == "\(path): gzip data inflates beyond the \(declared) bytes its header declares")
    }

    @Test func idxHeaderDeclaringMoreThanTheDataLimitIsRefused() throws {
        let path = dir.path("huge-idx3-ubyte.gz")
        // 65535 × 65535 × 1 bytes declared: beyond the data limit.
        try AtomicFile.write(Gzip.compress([0, 0, 8, 2, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF]), to: path)
        #expect(throws: DataError.sizeOverflow(path: path, dims: [65535, 65535])) { try IDXArray.read(path: path) }
    }

    @Test func csvGzipBombStopsAtTheLimit() throws {
        let path = dir.path("bomb.csv.gz")
        // Valid rows "0,0,...,0\n" forever: only the limit stops them.
        let row = Array(repeating: "0", count: 64).joined(separator: ",") + "\n"
        let megabyte = [UInt8](String(repeating: row, count: (1 << 20) / row.utf8.count).utf8)
        var bomb: [UInt8] = []
        let member = Gzip.compress(megabyte, level: 9)
        for _ in 0..<40 { bomb += member }
        try AtomicFile.write(bomb, to: path)
        let limit = FileSizeLimit(kind: "a test file", bytes: 4 << 20)
        #expect { try CSVDataset.read(path: path, labelColumn: nil, limit: limit) } throws: { error in
            guard let error = error as? DataError else { return false }
            switch error {
            case .inflatesTooLarge(path, limit.bytes, false): return true
            case .unreadable(path, let reason): return reason.contains("values, the most a data file may hold")
            default: return false
            }
        }
        // A file with no newline stops at the line limit, not at the end of memory.
        let oneLine = dir.path("line.csv.gz")
        try AtomicFile.write(Self.zerosBomb(prefix: [UInt8]("1,".utf8), megabytes: 40), to: oneLine)
        #expect { try CSVDataset.read(path: oneLine) } throws: { "\($0)".contains("line 1 is longer than") }
    }

    @Test func gzipInflationStopsAtTheStatedLimit() throws {
        let bomb = Self.zerosBomb(prefix: [1, 2, 3], megabytes: 8)
        #expect(throws: DataError.inflatesTooLarge(path: "b.gz", limit: 1 << 20, declared: false)) {
            try Gzip.decompress(bomb, path: "b.gz", limit: 1 << 20)
        }
        #expect(try Gzip.decompress(bomb, path: "b.gz", limit: 9 << 20).count == 3 + 8 << 20)
    }

    @Test func trailingGarbageAfterGzipIsRefusedButMembersAreOneStream() throws {
        let array = IDXArray(dims: [4, 2], bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        let encoded = array.encoded()
        let path = dir.path("t-idx2-ubyte.gz")
        try AtomicFile.write(Gzip.compress(encoded) + [0x00, 0x41, 0x42], to: path)
        #expect(throws: DataError.corruptGzip(path: path, reason: "3 bytes of trailing data after the gzip stream")) {
            try IDXArray.read(path: path)
        }
        try AtomicFile.write(Gzip.compress(encoded) + [0x1f], to: path)
        #expect(throws: DataError.corruptGzip(path: path, reason: "1 byte of trailing data after the gzip stream")) {
            try IDXArray.read(path: path)
        }
        // `cat a.gz b.gz` is a valid gzip file: both members are read.
        try AtomicFile.write(Gzip.compress(Array(encoded.prefix(13))) + Gzip.compress(Array(encoded.dropFirst(13))), to: path)
        #expect(try IDXArray.read(path: path) == array)
        let csv = dir.path("t.csv.gz")
        try AtomicFile.write(Gzip.compress([UInt8]("1,2\n3,".utf8)) + Gzip.compress([UInt8]("4\n".utf8)) + [0x0A], to: csv)
        #expect(throws: DataError.corruptGzip(path: csv, reason: "1 byte of trailing data after the gzip stream")) {
            try CSVDataset.read(path: csv)
        }
    }

    @Test func pngWhoseWidthTimesHeightOverflowsIsAnError() throws {
        // IHDR 0xFFFFFFFF × 0xFFFFFFFF: the product overflows Int64.
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(PNGTestFile.crc32(body))
        }
        for size in [UInt32.max, 1 << 31, 1 << 16] {
            let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", be(size) + be(size) + [8, 0, 0, 0, 0])
                + chunk("IDAT", [0x78, 0x01]) + chunk("IEND", [])
            #expect { try PNGDecoder.decodeGray(png, path: "big.png") } throws: {
                "\($0)".hasPrefix("big.png: not a usable PNG image: size \(size)×\(size) is larger than the limit")
            }
        }
        // A plausible size whose data cannot fill it is refused before allocating.
        let thin = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", be(8192) + be(8192) + [8, 6, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x01]) + chunk("IEND", [])
        #expect { try PNGDecoder.decodeGray(thin, path: "thin.png") } throws: { "\($0)".contains("too few for 8192×8192") }
    }

    @Test func pgmWhoseSizeIsTooLargeIsAnError() throws {
        for header in ["P5 16777216 16777216 255\n", "P2 16777216 16777216 255\n", "P2 8192 8192 255\n1 2 3"] {
            #expect(throws: PGMDecoder.Failure.self) { try PGMDecoder.decodeGray(Array(header.utf8), path: "x.pgm") }
        }
    }

    @Test func safetensorsShapeOverflowIsAnError() throws {
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904,0],"data_offsets":[0,0]}}"#
        var padded = Array(header.utf8)
        while padded.count % 8 != 0 { padded.append(0x20) }
        var file: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: padded.count >> (8 * $0)) }
        file += padded
        #expect { try SafeTensors(parsing: file, path: "w.safetensors") } throws: {
            ($0 as? SerializationError)?.kind == .shapeOffsetMismatch && "\($0)".contains("a model file may hold")
        }
    }

    @Test func checkedProductNamesTheFieldAndSource() throws {
        #expect(try CheckedSize.product([3, 4, 5], field: "shape", source: "f") == 60)
        #expect(try CheckedSize.product([], field: "shape", source: "f") == 1)
        #expect(try CheckedSize.product([7, 0], field: "shape", source: "f") == 0)
        #expect(throws: SizeOverflow(source: "a.png", field: "image size", factors: [1 << 40, 1 << 40], limit: .max)) {
            try Int.checkedProduct([1 << 40, 1 << 40], field: "image size", source: "a.png")
        }
        #expect("\(SizeOverflow(source: "--batch-size", field: "batch", factors: [2, 3], limit: 5))"
                == "--batch-size: batch 2 × 3 is larger than the limit of 5")
        #expect(throws: SizeOverflow.self) { try CheckedSize.product([0, 1 << 62, 1 << 62], field: "s", source: "f") }
        #expect(throws: SizeOverflow.self) { try CheckedSize.product([-1, 2], field: "s", source: "f") }
        #expect(throws: SizeOverflow.self) { try CheckedSize.product([6], field: "s", source: "f", limit: 5) }
    }

    @Test func fileSizesAreWrittenInDecimalUnits() {
        #expect(FileSizeLimit.format(bytes: 3_200_000_000) == "3.2 GB")
        #expect(FileSizeLimit.format(bytes: 2_000_000_000) == "2 GB")
        #expect(FileSizeLimit.format(bytes: 1_500) == "1.5 kB")
        #expect(FileSizeLimit.format(bytes: 17) == "17 bytes")
    }
}

/// The same refusals through the `scratchnet` binary: one line, exit status
/// 65 (bad data) or 66 (no input), and memory measured on the child alone.
@Suite("Hostile input files, end to end", .serialized, .enabled(if: TestTools.scratchnet != nil, TestTools.scratchnetMissing))
struct HostileFileCLITests {
    let dir = TemporaryDirectory()

    struct Child {
        var status: Int32
        var output: String
        /// Peak resident memory of the child, bytes.
        var peakRSS: Int
    }

    /// Runs scratchnet with `arguments`, its output to a file, and returns
    /// the child's own peak RSS as GNU time measures it. Not wait4's rusage
    /// of a child spawned from here: Linux starts a spawned child's peak at
    /// the spawning process's (exec keeps the larger of the two), so this
    /// large test process would hide the child's figure.
    func run(_ arguments: [String]) throws -> Child {
        let outPath = dir.path("out.txt"), peakPath = dir.path("peak.txt")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let time = "/usr/bin/time"
        let argv = ([time, "-f", "%M", "-o", peakPath, TestTools.scratchnet!] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment: [String] = ["SWIFT_BACKTRACE=enable=no", "PATH=/usr/bin:/bin"]
        let env = environment.map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, time, &actions, nil, argv, env)
        #expect(spawned == 0, "\(time) (Debian package time) could not be started")
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        let output = String(decoding: try AtomicFile.read(outPath), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Command exited with non-zero status") }.joined(separator: "\n")
        let peakText = String(decoding: try AtomicFile.read(peakPath), as: UTF8.self)
        let peakKB = peakText.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last ?? -1
        let exited = status & 0x7F == 0
        return Child(status: exited ? (status >> 8) & 0xFF : -1, output: output, peakRSS: peakKB * 1024)
    }

    @Test func deviceAsModelIsOneLineAndExitStatus65() throws {
        let result = try run(["predict", "--model", "/dev/zero", "/dev/zero"])
        #expect(result.status == 65, "\(result.output)")
        #expect(result.output == "Error: /dev/zero is not a regular file (a character device)\n")
    }

    @Test func fifoAsDataIsRefusedWithoutBlocking() throws {
        let fifo = dir.path("fifo.csv")
        #expect(mkfifo(fifo, 0o600) == 0)
        let result = try run(["data", "info", fifo])
        #expect(result.status == 65, "\(result.output)")
        #expect(result.output.contains("\(fifo) is not a regular file (a FIFO)"))
    }

    @Test func idxGzipBombIsRefusedInSmallMemory() throws {
        let data = dir.path("set")
        #expect(mkdir(data, 0o700) == 0)
        defer {
            unlink(data + "/train-images-idx3-ubyte.gz")
            unlink(data + "/train-labels-idx1-ubyte.gz")
            rmdir(data)
        }
        try IDXArray(dims: [10], bytes: Array(0..<10)).write(to: data + "/train-labels-idx1-ubyte.gz")
        try AtomicFile.write(HostileFileTests.zerosBomb(prefix: HostileFileTests.tenImagesHeader, megabytes: 200),
                             to: data + "/train-images-idx3-ubyte.gz")
        let result = try run(["data", "info", data])
        #expect(result.status == 65, "\(result.output)")
        #expect(result.output.contains("inflates beyond the 7856 bytes its header declares"), "\(result.output)")
        // The whole process, runtime included, stays far below the 200 MB the file inflates to.
        #expect(result.peakRSS < 100_000_000, "peak RSS \(result.peakRSS)")
    }

    @Test func csvPeakMemoryIsASmallMultipleOfTheFile() throws {
        // Narrow rows cost a parser with a string and an array per line the
        // most: 500,000 rows of a label and two features, about 4.5 MB.
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(5_000_000)
        for r in 0..<500_000 {
            text += "\(r % 10),\(UInt8.random(in: 0...255, using: &generator)),\(UInt8.random(in: 0...255, using: &generator))\n"
        }
        let big = dir.path("big.csv"), small = dir.path("small.csv")
        try AtomicFile.write(Array(text.utf8), to: big)
        try AtomicFile.write(Array("1,0,255\n0,255,0\n".utf8), to: small)
        let baseline = try run(["data", "info", small])
        let measured = try run(["data", "info", big])
        #expect(baseline.status == 0 && measured.status == 0, "\(baseline.output) \(measured.output)")
        // File (1×) + values as Double (8 bytes per ~3 text bytes: 2.7×) +
        // pixels and labels (0.3×) + what `data info` keeps: under 7× the
        // text (a string per line and an array per row cost about 12×).
        let grown = measured.peakRSS - baseline.peakRSS
        #expect(grown < 7 * text.utf8.count, "CSV of \(text.utf8.count) bytes grew the peak RSS by \(grown)")
    }
}
