// swift-tools-version: 6.2
// A package that uses ScratchNet the way any other package would.
//
// By default it depends on the ScratchNet checkout two folders up (path).
// scripts/embed-check.sh sets SCRATCHNET_URL (a git URL of a tagged clone)
// to depend on it by version instead, as a published package would be
// used, and SCRATCHNET_TRAITS=none to build with the OpenMP trait off.
import PackageDescription
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

let traits: Set<Package.Dependency.Trait> =
    environment("SCRATCHNET_TRAITS") == "none" ? [] : [.defaults]
let scratchNet: Package.Dependency
if let url = environment("SCRATCHNET_URL") {
    scratchNet = .package(url: url, from: "0.1.0", traits: traits)
} else {
    scratchNet = .package(name: "ScratchNet", path: "../..", traits: traits)
}

let package = Package(
    name: "EmbedExample",
    dependencies: [scratchNet],
    targets: [
        .executableTarget(
            name: "EmbedExample",
            dependencies: [.product(name: "ScratchNet", package: "ScratchNet")]
        ),
    ]
)
