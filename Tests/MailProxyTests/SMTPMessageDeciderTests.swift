import MailProxy
import MessageInspection
import NIOCore
import SMTPRelay
import Testing

/// The decision table's answers as the relay's decisions (SPEC §3 reply codes).
@Suite struct SMTPMessageDeciderTests {
    let envelope = SMTPEnvelope(reversePath: "alice@example.com", forwardPaths: ["bob@example.net"])
    let message = ByteBuffer(string: "From: alice@example.com\r\nSubject: s\r\n\r\nbody\r\n")
    let stamp = SMTPMessageDecider.NotificationStamp(date: "Wed, 25 Nov 2026 23:00:00 +0000", messageID: "<1@fw>")

    func settings(_ change: (inout SMTPProxySettings) -> Void = { _ in }) -> SMTPProxySettings {
        var settings = SMTPProxySettings(enabled: true)
        change(&settings)
        return settings
    }

    @Test func overSizeRejectIs552() {
        let outcome = SMTPMessageDecider.decideUnscanned(.notScanned(.overSize(octets: 99)),
                                                         settings: settings { $0.policy.sizeOverflow = .reject })
        guard case .reject(552, let text) = outcome.relayDecision else {
            Issue.record("\(outcome.relayDecision)")
            return
        }
        #expect(text.hasPrefix("5.3.4 "))
    }

    @Test func unavailableRejectIs451AndPassDelivers() {
        let reject = SMTPMessageDecider.decideUnscanned(.unavailable(.serviceFailed), settings: settings())
        #expect(reject.relayDecision == .tempfail(text: "4.7.1 Mail security is unavailable, try again later"))
        let pass = SMTPMessageDecider.decideUnscanned(.unavailable(.licenceInactive),
                                                      settings: settings { $0.policy.inactiveAction = .pass })
        #expect(pass.relayDecision == .deliverUnchanged)
        #expect(pass.decision?.counts == [.couldNotScan])
    }

    @Test func cleanIsDeliveredUnchangedWithoutAHeader() {
        let outcome = SMTPMessageDecider.decide(.verdict(score: 10, virusNames: []), message: message,
                                                envelope: envelope, settings: settings(), stamp: stamp)
        #expect(outcome.relayDecision == .deliverUnchanged)
        #expect(outcome.replacement == nil)
    }

    @Test func taggingReplacesOnlyTheHeader() throws {
        let outcome = SMTPMessageDecider.decide(.verdict(score: 0, virusNames: ["V"]), message: message,
                                                envelope: envelope, settings: settings(), stamp: stamp)
        let replacement = try #require(outcome.replacement)
        #expect(String(buffer: replacement.header) == "From: alice@example.com\r\nSubject: [VIRUS] s\r\n\r\n")
        #expect(replacement.bodyStart == message.readableBytes - "body\r\n".utf8.count)
    }

    @Test func anAlreadyTaggedSubjectIsNotTaggedTwice() {
        let tagged = ByteBuffer(string: "From: alice@example.com\r\nSubject: [SPAM] s\r\n\r\nbody\r\n")
        let outcome = SMTPMessageDecider.decide(.verdict(score: 100, virusNames: []), message: tagged,
                                                envelope: envelope, settings: settings(), stamp: stamp)
        #expect(outcome.subjectAlreadyPrefixed)
        #expect(outcome.replacement.map { String(buffer: $0.header) } == "From: alice@example.com\r\nSubject: [SPAM] s\r\n\r\n")
    }

    @Test func transferGoesToTheSenderByDefault() throws {
        let outcome = SMTPMessageDecider.decide(.verdict(score: 100, virusNames: []), message: message,
                                                envelope: envelope, settings: settings { $0.policy.detectAction = .transfer },
                                                stamp: stamp)
        guard case .transfer(let notification, let to) = outcome.relayDecision else {
            Issue.record("\(outcome.relayDecision)")
            return
        }
        #expect(to == SMTPEnvelope(reversePath: "mail-security@example.com", forwardPaths: ["alice@example.com"]))
        #expect(String(buffer: notification).contains("Message-ID: <1@fw>"))
    }
}
