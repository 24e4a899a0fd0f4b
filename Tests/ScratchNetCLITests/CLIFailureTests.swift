import ArgumentParser
import Foundation
import Testing
@testable import ScratchNetCLI
import ScratchNet

/// Every error reaches the user as one line in the project's words, with a
/// sysexits status.
@Suite("errors as one line")
struct CLIFailureTests {
    @Test func foundationWriteErrorsBecomeCannotWriteWithStatus73() throws {
        let underlying = NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))
        let error = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/r/report.html", NSUnderlyingErrorKey: underlying])
        let failure = try #require(CLIFailure(classifying: error))
        #expect(failure.status == .cannotCreate)
        #expect(failure.message == "cannot write /r/report.html: \(String(cString: strerror(EACCES)))")
    }

    @Test func foundationReadErrorsBecomeCannotReadWithStatus66() throws {
        let failure = try #require(CLIFailure(classifying: CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/in"])))
        #expect(failure.status == .noInput)
        #expect(failure.message.hasPrefix("cannot read /in: ") && !failure.message.contains("NSCocoaErrorDomain"), "\(failure.message)")
    }

    @Test func libraryErrorsKeepTheirMessageAndGetTheirStatus() throws {
        #expect(CLIFailure(classifying: DataError.fileNotFound(path: "/x"))?.status == .noInput)
        #expect(CLIFailure(classifying: DataError.empty(path: "/x"))?.status == .dataError)
        #expect(CLIFailure(classifying: TrainingError.incompatibleData("a\nb"))?.message == "a; b")
        #expect(CLIFailure(classifying: TrainingError.nonFiniteLoss(epoch: 1, step: 2, loss: .nan))?.status == .failure)
    }

    @Test func theParsersOwnErrorsAreLeftToIt() {
        #expect(CLIFailure(classifying: ValidationError("bad")) == nil)
        #expect(CLIFailure(classifying: CleanExit.helpRequest()) == nil)
    }
}
