// swift-tools-version: 6.2
// ScratchNet's benchmarks, in their own package so the main build stays fast
// (package-benchmark's plugin adds minutes to a first build).
//
// Run from this folder:
//     swift package benchmark --no-progress
//     swift package benchmark --no-progress --filter "SGEMM.*mlp"
// OpenBLAS (Debian libopenblas-dev) is linked here only, as a peer for the
// matrix-multiply benchmarks; the library itself never depends on it.
import PackageDescription

let package = Package(
    name: "ScratchNetBenchmarks",
    dependencies: [
        // Named, because a path dependency is otherwise known by its folder
        // name (the checkout folder: "main", a worktree name, ...).
        .package(name: "ScratchNet", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "ScratchNet", package: "ScratchNet"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Sources/BenchmarkSupport"
        ),
    ]
)

/// One executable per suite under Benchmarks/<Name>, as package-benchmark expects.
func suite(_ name: String, extra: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "BenchmarkSupport",
            .product(name: "ScratchNet", package: "ScratchNet"),
            .product(name: "Benchmark", package: "benchmark"),
        ] + extra,
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

package.targets += [
    suite("SGEMM", extra: ["COpenBLAS"]),
    suite("SoftmaxCrossEntropy"),
    suite("Convolution"),
    suite("TrainingStep"),
]
