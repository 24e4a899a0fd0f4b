import Foundation
import ScratchNet

/// The class count a command sizes its network from, checked once for
/// train and search (``LabeledImages/classCount(of:)``): a corrupt label
/// far above the others is an error (exit 65), classes that merely have no
/// samples are one warning line on standard error.
enum LabelClasses {
    static func count(_ sets: [LabeledImages]) throws -> Int {
        let count = try LabeledImages.classCount(of: sets)
        if let warning = count.warning {
            FileHandle.standardError.write(Data("warning: \(sets.map(\.source).joined(separator: ", ")): \(warning)\n".utf8))
        }
        return count.classes
    }
}

/// Class names for a command's output: from `--classes`, the model file's
/// metadata or the data set (``DatasetInfo/classNames(forSource:)``, the
/// one list `show`, `data info` and the report also use), in that order.
enum ClassNames {
    /// `--classes FILE` (one name per line) or `--classes a,b,c`.
    static func parse(_ argument: String) throws -> [String] {
        let names: [String]
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            let bytes = try AtomicFile.read(argument, limit: .config)
            names = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw CLIFailure(.dataError, "--classes \(argument): the file names no class (one name per line)") }
        } else {
            guard argument.contains(",") else {
                throw CLIFailure(.usage, "--classes: '\(argument)' is neither a file nor a comma-separated list of names")
            }
            names = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if let bad = names.firstIndex(where: { $0.isEmpty || $0.count > ModelFile.maximumClassNameLength }) {
            throw CLIFailure(.usage, "--classes: name \(bad + 1) must be 1 to \(ModelFile.maximumClassNameLength) characters")
        }
        return names
    }

    /// Names for a `classes`-way model: `--classes` (checked against the
    /// count), else the file's, else the data set's when it has exactly
    /// `classes` of them, else nil.
    static func resolve(flag: String?, file: SafeTensors?, classes: Int, dataSource: String? = nil) throws -> [String]? {
        if let flag {
            let names = try parse(flag)
            guard names.count == classes else {
                throw CLIFailure(.usage, "--classes names \(names.count) classes, the model has \(classes)")
            }
            return names
        }
        if let file, let names = try ModelFile.classNames(in: file, classes: classes) { return names }
        if let dataSource, let names = DatasetInfo.classNames(forSource: dataSource), names.count == classes { return names }
        return nil
    }

    /// "9 Ankle boot", or "9" without names.
    static func label(_ index: Int, _ names: [String]?) -> String {
        guard let names, index < names.count else { return String(index) }
        return "\(index) \(names[index])"
    }
}

extension RunPlan {
    /// The names `train --save` stores for a `classes`-way model:
    /// `--classes` (which must name each class), else those `data` states
    /// (a CSV file's), else the data set's.
    func classNames(forClasses classes: Int, data: LabeledImages) throws -> [String]? {
        if let classNames {
            guard classNames.count == classes else {
                throw CLIFailure(.usage, "--classes names \(classNames.count) classes, the model has \(classes)")
            }
            return classNames
        }
        if let names = data.classNames, names.count == classes { return names }
        return DatasetInfo.classNames(forSource: dataDirectory).flatMap { $0.count == classes ? $0 : nil }
    }
}
