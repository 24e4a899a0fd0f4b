/// Lets a long option take a value that starts with '-' followed by a digit
/// or '.', as in `--lr-range -6,-2` or `--lr -1`.
///
/// The argument parser reads such a value as a short option and reports a
/// missing value. Joining it to its option (`--lr-range=-6,-2`) hands it to
/// the option's own parser and validation, which then give the one-line
/// reason. No option of `scratchnet` has a short name, so a word such as
/// `-6,-2` is never an option; a word after `--` is left alone.
enum NegativeNumberArguments {
    static func join(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" {
                result.append(contentsOf: arguments[index...])
                break
            }
            let next = arguments.index(after: index)
            if isLongOptionWithoutValue(argument), next < arguments.endIndex, looksNumeric(arguments[next]) {
                result.append(argument + "=" + arguments[next])
                index = arguments.index(after: next)
                continue
            }
            result.append(argument)
            index = next
        }
        return result
    }

    static func isLongOptionWithoutValue(_ argument: String) -> Bool {
        argument.hasPrefix("--") && argument.count > 2 && !argument.contains("=")
    }

    /// '-' then a digit or '.': a negative number, or a list that starts with one.
    static func looksNumeric(_ argument: String) -> Bool {
        let characters = Array(argument.utf8.prefix(2))
        guard characters.count == 2, characters[0] == UInt8(ascii: "-") else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(characters[1]) || characters[1] == UInt8(ascii: ".")
    }
}
