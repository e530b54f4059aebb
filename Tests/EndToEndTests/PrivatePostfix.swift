import Foundation
import Testing
import TestSupport

/// One private Postfix for a whole suite: started before the suite's first test, stopped (and
/// its directory removed) after its last one, even when a test fails.
struct PrivatePostfix: SuiteTrait, TestScoping {
    let configuration: PostfixInstance.Configuration

    @TaskLocal static var current: PostfixInstance?

    /// The suite's instance; only valid inside a suite marked with this trait.
    static var instance: PostfixInstance {
        get throws {
            guard let current else { throw MailServerError.setupFailed("no PrivatePostfix trait on this suite") }
            return current
        }
    }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let postfix = try PostfixInstance(configuration: configuration)
        defer { postfix.stop() }
        try postfix.start()
        try await Self.$current.withValue(postfix) { try await function() }
    }
}

extension Trait where Self == PrivatePostfix {
    static func privatePostfix(_ configure: (inout PostfixInstance.Configuration) -> Void = { _ in }) -> PrivatePostfix {
        var configuration = PostfixInstance.Configuration()
        configure(&configuration)
        return PrivatePostfix(configuration: configuration)
    }
}
