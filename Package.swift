// swift-tools-version: 6.2
// 6.2 lets other packages depend on this one by version even though the C
// target passes -fopenmp through unsafeFlags (see README, "Embedding").
import PackageDescription

/// C flags for the kernels. -O3 applies to debug and test builds too, so the
/// kernels are fast even when the Swift code around them is not optimized.
let kernelCFlags: [CSetting] = [
    .unsafeFlags(["-O3", "-std=c11"]),
    .unsafeFlags(["-fopenmp"], .when(traits: ["OpenMP"])),
    .define("_GNU_SOURCE"),
]

let package = Package(
    name: "ScratchNet",
    products: [
        .library(name: "ScratchNet", targets: ["ScratchNet"]),
        .executable(name: "scratchnet", targets: ["ScratchNetCLI"]),
        // The C API (include/scratchnet.h) as a static and a shared library,
        // for programs written in C, C++ or anything with a C FFI.
        .library(name: "ScratchNetC", type: .static, targets: ["ScratchNetC"]),
        .library(name: "ScratchNetCShared", type: .dynamic, targets: ["ScratchNetC"]),
    ],
    traits: [
        .trait(name: "OpenMP", description: "Run the C kernels on several threads with OpenMP (needs libomp, Debian libomp-dev)."),
        // MPI turns OpenMP on too: `--traits MPI` replaces the default traits, and a
        // rank without threads would leave cores idle.
        .trait(name: "MPI", description: "Data-parallel training across processes and machines with MPI (needs Open MPI, Debian openmpi-bin libopenmpi-dev; enables OpenMP). Off by default.",
               enabledTraits: ["OpenMP"]),
        .default(enabledTraits: ["OpenMP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "CKernels",
            path: "CSources/CKernels",
            cSettings: kernelCFlags,
            linkerSettings: [
                .linkedLibrary("omp5", .when(traits: ["OpenMP"])),
                .linkedLibrary("m"),
            ]
        ),
        .systemLibrary(name: "CZlib", path: "CSources/CZlib"),
        .systemLibrary(
            name: "CMPI",
            path: "CSources/CMPI",
            pkgConfig: "mpi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // The core: memory, kernels, layers, losses, optimizers, networks,
        // training, data and serialization. The C API links this and ScratchNetONNX.
        .target(
            name: "ScratchNetCore",
            dependencies: ["CKernels", "CZlib"],
            path: "Sources/ScratchNetCore"
        ),
        // Data-parallel training across processes: the all-reduce gradient
        // reduction over any communicator, and MPI's (with the MPI trait).
        .target(
            name: "ScratchNetDistributed",
            dependencies: [
                "ScratchNetCore",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ],
            path: "Sources/ScratchNetDistributed"
        ),
        // Around the core: hyperparameter search, reports and pictures, the
        // book's demos, dataset download.
        .target(
            name: "ScratchNetExperiments",
            dependencies: ["ScratchNetCore", "CZlib",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/ScratchNetExperiments"
        ),
        // ONNX export and import of networks; the message code is generated
        // from Proto/onnx.proto once and committed (scripts/generate-onnx-proto.sh).
        .target(
            name: "ScratchNetONNX",
            dependencies: ["ScratchNetCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/ScratchNetONNX",
            exclude: ["Proto/onnx.proto"]
        ),
        // One import for users: re-exports the core and its satellites.
        .target(
            name: "ScratchNet",
            dependencies: ["ScratchNetCore", "ScratchNetExperiments", "ScratchNetDistributed", "ScratchNetONNX"],
            path: "Sources/ScratchNet"
        ),
        .target(
            name: "ScratchNetC",
            dependencies: ["ScratchNetCore", "ScratchNetONNX"],
            path: "Sources/ScratchNetC",
            exclude: ["include"]
        ),
        .executableTarget(
            name: "ScratchNetCLI",
            dependencies: [
                "ScratchNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ScratchNetCLI"
        ),
        .target(
            name: "ScratchNetTestSupport",
            dependencies: ["ScratchNet"],
            path: "Tests/ScratchNetTestSupport"
        ),
        // Wraps malloc in the test executable to count a thread's allocations
        // (the zero-allocations-per-step test).
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(
            name: "ScratchNetTests",
            dependencies: ["ScratchNet", "ScratchNetC", "ScratchNetTestSupport", "CAllocationCounter"],
            path: "Tests/ScratchNetTests"
        ),
        // The command line's run plan, tested without running the binary.
        .testTarget(
            name: "ScratchNetCLITests",
            dependencies: ["ScratchNetCLI", "ScratchNet", "ScratchNetTestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/ScratchNetCLITests"
        ),
    ]
)
