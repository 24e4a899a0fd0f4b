import Foundation
import Testing

/// The layering rules of the package, checked on its sources: who may import
/// the C module, what the core may depend on, what the C API links, and that
/// the documents speak of the project rather than of its development.
///
/// Why a test: these rules are what keep the kernel door single and the
/// embeddable core small; a new file that imports the C module from a layer
/// or pulls Foundation's networking into the core breaks them silently.
@Suite("Architecture: layering rules checked on the sources")
struct ArchitectureTests {
    static let root = TestTools.packageRoot

    /// Files under `folder` (relative to the package root) whose names end
    /// in `suffix`, with their text; hidden folders (.build) are skipped.
    static func files(under folder: String, suffix: String) -> [(path: String, text: String)] {
        let base = root + "/" + folder
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [(String, String)] = []
        for case let relative as String in walker {
            if (relative as NSString).lastPathComponent.hasPrefix(".") { walker.skipDescendants(); continue }
            guard relative.hasSuffix(suffix),
                  let text = try? String(contentsOfFile: base + "/" + relative, encoding: .utf8) else { continue }
            files.append((folder + "/" + relative, text))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func swiftFiles(under folder: String) -> [(path: String, text: String)] { files(under: folder, suffix: ".swift") }

    static func imports(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                  words[..<i].allSatisfy({ $0.hasPrefix("@") }) else { return nil }
            return String(words[i + 1])
        }
    }

    @Test func onlyTheFastKernelsFolderImportsTheCModule() {
        let importers = Self.swiftFiles(under: "Sources").filter { Self.imports($0.text).contains("CKernels") }.map(\.path)
        #expect(!importers.isEmpty, "no Swift file imports CKernels: the fast kernels moved?")
        let outside = importers.filter { !$0.hasPrefix("Sources/ScratchNetCore/Kernels/Fast/") }
        #expect(outside.isEmpty, "CKernels imported outside Sources/ScratchNetCore/Kernels/Fast: \(outside)")
    }

    @Test func noCTypeInThePublicSwiftAPI() {
        var offenders: [String] = []
        for file in Self.swiftFiles(under: "Sources") {
            for line in file.text.split(separator: "\n") where line.contains("public ") {
                // The declaration, not the body that may follow on the same line.
                let declaration = line.prefix { $0 != "{" && $0 != "=" }
                if declaration.contains("sn_") { offenders.append("\(file.path): \(line.trimmingCharacters(in: .whitespaces))") }
            }
        }
        #expect(offenders.isEmpty, "C types in public declarations: \(offenders)")
    }

    /// The core is what an embedding tool links: no satellite, no HTTP, no
    /// MPI outside its trait-gated file.
    @Test func theCoreDependsOnNoSatellite() {
        let forbidden: Set = ["ScratchNet", "ScratchNetExperiments", "ScratchNetDistributed", "FoundationNetworking"]
        var offenders: [String] = []
        for file in Self.swiftFiles(under: "Sources/ScratchNetCore") {
            for name in Self.imports(file.text) where forbidden.contains(name) { offenders.append("\(file.path) imports \(name)") }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }

    /// The C API links the core and ONNX import (which adds SwiftProtobuf), no satellite.
    @Test func theCAPILinksOnlyTheCoreAndONNX() throws {
        let manifest = try String(contentsOfFile: Self.root + "/Package.swift", encoding: .utf8)
        let start = try #require(manifest.range(of: ".target(\n            name: \"ScratchNetC\","))
        let declaration = manifest[start.upperBound...].prefix { $0 != ")" }
        #expect(declaration.contains("dependencies: [\"ScratchNetCore\", \"ScratchNetONNX\"]"), "ScratchNetC's dependencies: \(declaration)")
        for file in Self.swiftFiles(under: "Sources/ScratchNetC") {
            let imported = Set(Self.imports(file.text))
            #expect(imported.isDisjoint(with: ["ScratchNet", "ScratchNetExperiments", "ScratchNetDistributed"]), "\(file.path)")
        }
    }

    /// ONNX lives in its own target on the core; protobuf is spoken only by
    /// ONNX and the TensorBoard event writer, so the core stays free of
    /// SwiftProtobuf and the message types stay internal.
    @Test func onnxIsASatelliteOfTheCoreAndProtobufStaysOutOfTheCore() throws {
        let manifest = try String(contentsOfFile: Self.root + "/Package.swift", encoding: .utf8)
        let start = try #require(manifest.range(of: ".target(\n            name: \"ScratchNetONNX\","))
        let declaration = manifest[start.upperBound...].prefix { $0 != ")" }
        #expect(declaration.contains("dependencies: [\"ScratchNetCore\", .product(name: \"SwiftProtobuf\", package: \"swift-protobuf\""),
                "ScratchNetONNX's dependencies: \(declaration)")
        var offenders: [String] = []
        for file in Self.swiftFiles(under: "Sources") {
            let imported = Set(Self.imports(file.text))
            let protobufUsers = ["Sources/ScratchNetONNX/", "Sources/ScratchNetExperiments/Reports/TensorBoard/"]
            if imported.contains("SwiftProtobuf") && !protobufUsers.contains(where: file.path.hasPrefix) { offenders.append("\(file.path) imports SwiftProtobuf") }
            if file.path.hasPrefix("Sources/ScratchNetONNX/"),
               let bad = imported.first(where: { ["ScratchNet", "ScratchNetExperiments", "ScratchNetDistributed", "CKernels"].contains($0) }) {
                offenders.append("\(file.path) imports \(bad)")
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
        let generated = try String(contentsOfFile: Self.root + "/Sources/ScratchNetONNX/Proto/onnx.pb.swift", encoding: .utf8)
        #expect(!generated.contains("\npublic "), "the generated ONNX messages must stay internal (Visibility=Internal)")
    }

    /// The thread count is passed to every kernel call; no process-wide setter
    /// exists for a second caller to change under the first.
    @Test func theKernelThreadCountIsNotAProcessGlobal() throws {
        let header = try String(contentsOfFile: Self.root + "/CSources/CKernels/include/ckernels.h", encoding: .utf8)
        #expect(!header.contains("sn_set_num_threads"), "ckernels.h still declares a global thread count")
        let setters = Self.swiftFiles(under: "Sources").filter { $0.text.contains("KernelThreads.set(") }.map(\.path)
        #expect(setters.isEmpty, "a global thread count is still set in \(setters)")
    }

    /// Documents describe the project as it is; git keeps its history.
    @Test func documentsCarryNoDevelopmentHistory() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        var documents = [(path: "README.md", text: readme)]
        for folder in ["Docs", "Benchmarks", "Examples", "Sources"] { documents += Self.files(under: folder, suffix: ".md") }
        var offenders: [String] = []
        for (path, text) in documents {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let words = line.lowercased().split { !$0.isLetter }
                if words.contains("session") || words.contains("sessions") { offenders.append("\(path):\(number + 1)") }
            }
        }
        #expect(offenders.isEmpty, "development history ('session') in \(offenders)")
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count <= 170, "README.md is meant to stay near 150 lines")
    }
}
