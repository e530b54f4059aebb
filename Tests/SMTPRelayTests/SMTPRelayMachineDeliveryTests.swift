import Foundation
import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay
import MailRelay

/// Transcripts of what happens after the content: each decision, over-size, keepalive.

@Test func serverRefusingDATAAfterTheContentGivesTheClientThatReply() {
    var h = RelayHarness.scanning()
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    #expect(h.server("554 5.5.1 Error: no valid recipients\r\n") == [
        .toClient("554 5.5.1 Error: no valid recipients\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
    // The appliance's RSET reply is swallowed; the next command goes only after it.
    #expect(h.client("NOOP\r\n") == [])
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toServer("NOOP\r\n")])
}

@Test func serverRefusingTheContentAfterTheDotIsRelayed() {
    var h = RelayHarness.scanning()
    _ = h.decide(.deliverUnchanged)
    #expect(h.server("354 go ahead\r\n") == [.sendStoredMessage(to: .server)])
    #expect(h.server("521 5.2.1 : (CS01) This message is not accepted\r\n") == [
        .toClient("521 5.2.1 : (CS01) This message is not accepted\r\n"), .releaseMessage,
    ])
    // The transaction is over: a new DATA needs a new MAIL.
    #expect(h.client("DATA\r\n") == [.toClient("503 5.5.1 Bad sequence of commands: MAIL first\r\n")])
}

@Test(arguments: [
    (SMTPRelayConfiguration.SizeOverflowPolicy.reject, "5000", [Action.toClient("552 5.3.4 Message size exceeds fixed maximum message size\r\n")]),
    (.reject, "1000", [Action.toServer("MAIL FROM:<a@example.com> SIZE=1000\r\n")]),
    (.pass, "5000", [Action.toServer("MAIL FROM:<a@example.com> SIZE=5000\r\n")]),
])
func sizeParameterAboveTheLimitIsRefusedEarlyUnderTheRejectPolicy(
    policy: SMTPRelayConfiguration.SizeOverflowPolicy, size: String, expected: [Action]
) {
    var h = RelayHarness(SMTPRelayConfiguration(maximumMessageSize: 1000, sizeOverflow: policy))
    _ = h.server("220 mx\r\n")
    #expect(h.client("MAIL FROM:<a@example.com> SIZE=\(size)\r\n") == expected)
}

@Test func binaryMIMEIsRefusedBecauseBDATIsNotOffered() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    #expect(h.client("MAIL FROM:<a@example.com> BODY=BINARYMIME\r\n") == [.toClient("555 5.5.4 BODY=BINARYMIME not supported\r\n")])
}

/// The tag path: the decision carries the new header, the machine asks for it in front of the
/// stored message once the server said 354 (the session stuffs both as one stream; the bytes on
/// the wire are checked in `SMTPRelaySessionDecisionTests.rewrittenMessageIsDeliveredDotStuffedWithCRLF`).
@Test func rewrittenMessageIsTheNewHeaderThenTheStoredRest() {
    var h = RelayHarness.scanning()
    let header = ByteBuffer(string: "Subject: [SPAM] t\n\n")
    #expect(h.decide(.deliverRewritten(header: header, replacing: 12)) == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendRewrittenMessage(to: .server, header: header, storedFrom: 12)])
    #expect(h.server("250 2.0.0 queued\r\n") == [.toClient("250 2.0.0 queued\r\n"), .releaseMessage])
}

@Test(arguments: [
    (RelayDecision.contentRejected, "554 5.7.1 Message rejected by content policy\r\n"),
    (.reject(code: 550, text: "5.7.1 Virus found"), "550 5.7.1 Virus found\r\n"),
    (RelayDecision.serviceUnavailable, "451 4.7.1 Mail security service unavailable, try again later\r\n"),
])
func rejectAndTempfailAnswerTheClientAndResetTheServer(decision: RelayDecision, reply: String) {
    var h = RelayHarness.scanning()
    #expect(h.decide(decision) == [.toClient(reply), .toServer("RSET\r\n"), .releaseMessage])
    #expect(h.server("250 2.0.0 Ok\r\n") == [])
    #expect(h.client("MAIL FROM:<a@example.com>\r\n") == [.toServer("MAIL FROM:<a@example.com>\r\n")])
}

@Test func transferDeliversTheNotificationInANewTransaction() {
    var h = RelayHarness.scanning()
    let notice = SMTPEnvelope(reversePath: "mail-security@example.com", forwardPaths: ["admin@example.com", "gone@example.com", "sec@example.com"])
    #expect(h.decide(.transfer(notification: ByteBuffer(string: "Subject: Illegal mail\n\n.\n"), envelope: notice))
        == [.toServer("RSET\r\n")])
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toServer("MAIL FROM:<mail-security@example.com>\r\n")])
    #expect(h.server("250 2.1.0 Ok\r\n") == [.toServer("RCPT TO:<admin@example.com>\r\n")])
    #expect(h.server("250 2.1.5 Ok\r\n") == [.toServer("RCPT TO:<gone@example.com>\r\n")])
    #expect(h.server("550 5.1.1 unknown\r\n") == [.toServer("RCPT TO:<sec@example.com>\r\n")])
    #expect(h.server("250 2.1.5 Ok\r\n") == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.toServer("Subject: Illegal mail\r\n\r\n..\r\n.\r\n")])
    #expect(h.server("250 2.0.0 queued as N\r\n") == [.toClient("250 2.0.0 queued as N\r\n"), .releaseMessage])
}

@Test func transferRefusedByTheServerGivesTheClientTheRefusal() {
    var h = RelayHarness.scanning()
    let notice = SMTPEnvelope(reversePath: "x@example.com", forwardPaths: ["admin@example.com"])
    _ = h.decide(.transfer(notification: ByteBuffer(string: "n\r\n"), envelope: notice))
    _ = h.server("250 2.0.0 Ok\r\n")
    _ = h.server("250 2.1.0 Ok\r\n")
    #expect(h.server("550 5.1.1 no such user\r\n") == [
        .toClient("550 5.1.1 no such user\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
    #expect(h.server("250 Ok\r\n") == [])
}

@Test func transferAddressesCannotInjectCommands() {
    var h = RelayHarness.scanning()
    let notice = SMTPEnvelope(reversePath: "x@example.com>\r\nRCPT TO:<evil@example.org", forwardPaths: ["a@example.com"])
    _ = h.decide(.transfer(notification: ByteBuffer(string: "n\r\n"), envelope: notice))
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toServer("MAIL FROM:<x@example.comRCPT TO:evil@example.org>\r\n")])
}

@Test func staleDecisionIsIgnored() {
    var h = RelayHarness.inTransaction()
    #expect(h.decide(.deliverUnchanged) == [])
}

@Test func overSizeMessageUnderThePassPolicyIsDeliveredUnscannedFromTheStore() {
    var h = RelayHarness.inTransaction(SMTPRelayConfiguration(maximumMessageSize: 10, sizeOverflow: .pass))
    _ = h.client("DATA\r\n")
    #expect(h.client("0123456789\r\n") == [.store("0123456789\r\n")])
    #expect(h.client("abc\r\n.\r\n") == [.store("abc\r\n"), .notice(.overSize(size: 17, delivered: true)), .toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessage(to: .server)])
    #expect(h.server("250 2.0.0 queued\r\n") == [.toClient("250 2.0.0 queued\r\n"), .releaseMessage])
}

@Test func overSizeMessageUnderTheRejectPolicyIsReadToTheEndAndRefused() {
    var h = RelayHarness.inTransaction(SMTPRelayConfiguration(maximumMessageSize: 10, sizeOverflow: .reject))
    _ = h.client("DATA\r\n")
    #expect(h.client("0123\r\n") == [.store("0123\r\n")])
    #expect(h.client("456789\r\n") == [.discardCollected])
    #expect(h.client(String(repeating: "x", count: 100_000) + "\r\n") == [])
    #expect(h.client(".\r\n") == [
        .notice(.overSize(size: 100_016, delivered: false)),
        .toClient("552 5.3.4 Message size exceeds fixed maximum message size\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
    #expect(h.server("250 Ok\r\n") == [])
}

@Test func decisionThatNeverComesEndsInATempfail() {
    var h = RelayHarness.scanning()
    #expect(h.event(.timeout(.client)) == [])
    #expect(h.event(.timeout(.decision)) == [
        .toClient("451 4.7.1 Mail security scan timed out, try again later\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
    #expect(h.decide(.deliverUnchanged) == [])  // too late
    #expect(h.server("250 Ok\r\n") == [])
    #expect(h.machine.timeout?.side == .client)
}

@Test func keepaliveNOOPHoldsTheServerWhileCollectingAndScanning() {
    var h = RelayHarness.inTransaction()
    #expect(h.machine.serverKeepaliveInterval == nil)
    #expect(h.event(.keepaliveDue) == [])
    _ = h.client("DATA\r\n")
    #expect(h.machine.serverKeepaliveInterval == SMTPLimits.serverKeepaliveInterval)
    #expect(h.event(.keepaliveDue) == [.toServer("NOOP\r\n")])
    #expect(h.event(.keepaliveDue) == [])  // one at a time
    #expect(h.client("part one\r\n") == [.store("part one\r\n")])
    #expect(h.server("250 2.0.0 Ok\r\n") == [])
    #expect(h.client(".\r\n") == [.scanMessage(transactionEnvelope, size: 10)])
    #expect(h.event(.keepaliveDue) == [.toServer("NOOP\r\n")])
    // The decision comes while the NOOP is out: DATA waits for the NOOP's reply.
    #expect(h.decide(.deliverUnchanged) == [])
    #expect(h.machine.serverKeepaliveInterval == nil)
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessage(to: .server)])
    #expect(h.server("250 2.0.0 queued\r\n") == [.toClient("250 2.0.0 queued\r\n"), .releaseMessage])
}

@Test func keepaliveAnsweredWith421ClosesTheSession() {
    var h = RelayHarness.scanning()
    _ = h.event(.keepaliveDue)
    #expect(h.server("421 4.4.2 mx idle timeout\r\n") == [
        .toClient("421 4.4.2 mx idle timeout\r\n"), .releaseMessage, .closeClient, .closeServer,
    ])
}
