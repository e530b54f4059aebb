@testable import MailProxy
import MessageInspection
import NIOCore
import POP3Relay
import SMTPRelay
import Testing

/// The decider's answers as each relay's decisions (the SMTP reply codes, POP3's tempfail).
@Suite struct RelayDecisionMappingTests {
    let envelope = SMTPEnvelope(reversePath: "alice@example.com", forwardPaths: ["bob@example.net"])
    let message = ByteBuffer(string: "From: alice@example.com\r\nSubject: s\r\n\r\nbody\r\n")
    let stamp = NotificationStamp(date: "Wed, 25 Nov 2026 23:00:00 +0000", messageID: "<1@fw>")

    func settings(_ change: (inout InspectionSettings) -> Void = { _ in }) -> InspectionSettings {
        var settings = InspectionSettings(enabled: true)
        change(&settings)
        return settings
    }

    func decide(_ outcome: ScanOutcome, message: ByteBuffer, settings: InspectionSettings) -> MessageRuling {
        MessageDecider.decide(protocol: .smtp, outcome, message: message, envelopeSender: envelope.reversePath,
                              settings: settings, stamp: stamp)
    }

    @Test func overSizeRejectIs552() {
        let ruling = MessageDecider.decideUnscanned(protocol: .smtp, .notScanned(.overSize(octets: 99)),
                                                    settings: settings { $0.policy.sizeOverflow = .reject })
        guard case .reject(552, let text) = RelayDecision(ruling.disposition) else {
            Issue.record("\(ruling.disposition)")
            return
        }
        #expect(text.hasPrefix("5.3.4 "))
    }

    @Test func unavailableRejectIs451AndPassDelivers() {
        let reject = MessageDecider.decideUnscanned(protocol: .smtp, .unavailable(.serviceFailed), settings: settings())
        #expect(RelayDecision(reject.disposition) == .tempfail(text: "4.7.1 Mail security is unavailable, try again later"))
        let pass = MessageDecider.decideUnscanned(protocol: .smtp, .unavailable(.licenceInactive),
                                                  settings: settings { $0.policy.inactiveAction = .pass })
        #expect(RelayDecision(pass.disposition) == .deliverUnchanged)
        #expect(pass.decision?.counts == [.couldNotScan])
    }

    @Test func cleanIsDeliveredUnchangedWithoutAHeader() {
        let ruling = decide(.verdict(score: 10, virusNames: []), message: message, settings: settings())
        #expect(RelayDecision(ruling.disposition) == .deliverUnchanged)
    }

    @Test func taggingReplacesOnlyTheHeader() throws {
        let ruling = decide(.verdict(score: 0, virusNames: ["V"]), message: message, settings: settings())
        guard case .deliverRewritten(let header, let bodyStart) = RelayDecision(ruling.disposition) else {
            Issue.record("\(ruling.disposition)")
            return
        }
        #expect(String(buffer: header) == "From: alice@example.com\r\nSubject: [VIRUS] s\r\n\r\n")
        #expect(bodyStart == message.readableBytes - "body\r\n".utf8.count)
    }

    @Test func anAlreadyTaggedSubjectIsNotTaggedTwice() {
        let tagged = ByteBuffer(string: "From: alice@example.com\r\nSubject: [SPAM] s\r\n\r\nbody\r\n")
        let ruling = decide(.verdict(score: 100, virusNames: []), message: tagged, settings: settings())
        #expect(ruling.subjectAlreadyPrefixed)
        guard case .deliverRewritten(let header, _) = ruling.disposition else {
            Issue.record("\(ruling.disposition)")
            return
        }
        #expect(String(buffer: header) == "From: alice@example.com\r\nSubject: [SPAM] s\r\n\r\n")
    }

    @Test func transferGoesToTheSenderByDefault() throws {
        let ruling = decide(.verdict(score: 100, virusNames: []), message: message,
                            settings: settings { $0.policy = InspectionPolicy(spamAction: .transfer, virusAction: .transfer) })
        guard case .transfer(let notification, let to) = RelayDecision(ruling.disposition) else {
            Issue.record("\(ruling.disposition)")
            return
        }
        #expect(to == SMTPEnvelope(reversePath: "mail-security@example.com", forwardPaths: ["alice@example.com"]))
        #expect(String(buffer: notification).contains("Message-ID: <1@fw>"))
    }

    @Test func pop3GetsTheTempfailTextWithoutItsCodeAndNothingElseButDeliveries() {
        let tempfail = MessageDisposition.tempfail(.pop3TemporaryReject)
        #expect(POP3Decision(tempfail) == .tempfail(text: "Mail security is unavailable, try again later"))
        let header = ByteBuffer(string: "Subject: [SPAM] s\r\n\r\n")
        #expect(POP3Decision(.deliverRewritten(header: header, replacing: 13)) == .deliverRewritten(header: header, replacing: 13))
        #expect(POP3Decision(.deliverUnchanged) == .deliverUnchanged)
        // Never produced for POP3; if one were, the message stays on the server.
        #expect(POP3Decision(.reject(.contentReject(.spam))) == .serviceUnavailable)
        #expect(POP3Decision(.tempfail(.smtpTemporaryReject)) == .serviceUnavailable)
        #expect(POP3Decision(.transfer(notification: header, envelopeFrom: "a@x", envelopeTo: "b@x")) == .serviceUnavailable)
    }
}
