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
