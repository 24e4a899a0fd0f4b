// One import for users: `import ScratchNet` brings the core (arena, kernels,
// layers, optimizers, networks, training, data, model files) and its
// satellites (search, reports, demos, dataset download; data-parallel
// training over MPI), as swift-numerics' `Numerics` re-exports `RealModule`
// and `ComplexModule`. Embedding tools that want the core alone import
// `ScratchNetCore`.
@_exported import ScratchNetCore
@_exported import ScratchNetExperiments
@_exported import ScratchNetDistributed
@_exported import ScratchNetONNX
