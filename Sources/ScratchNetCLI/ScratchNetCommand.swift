import ArgumentParser

/// `scratchnet`: train, evaluate and benchmark neural networks on the CPU.
@main
struct ScratchNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scratchnet",
        abstract: "Train neural networks on multi-core CPUs, from scratch.",
        subcommands: [TrainCommand.self, DemoCommand.self, SearchCommand.self, HistogramsCommand.self, ShowCommand.self, DataCommand.self],
        defaultSubcommand: nil
    )
}
