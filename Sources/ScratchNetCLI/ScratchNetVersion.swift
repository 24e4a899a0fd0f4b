/// The package version, printed by `scratchnet --version`.
enum ScratchNetVersion {
    static let string = "0.1.0"
}
