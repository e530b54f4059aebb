import Foundation
import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay

private let env = SMTPEnvelope(reversePath: "a@example.com", forwardPaths: ["b@example.net"])

@Test func cleanSessionIsRelayedAndTheClientGetsTheServersFinalReply() throws {
    var h = RelayHarness()
    let greeting = try wireReply("mailkit__comcast-greeting.txt")
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.initialGreetingTimeout))
    #expect(h.server(greeting) == [.toClient("220 ESMTP server ready\r\n")])
    #expect(h.machine.timeout == RelayTimeout(side: .client, duration: SMTPLimits.clientIdleTimeout))
    #expect(h.client("EHLO pc.example.com\r\n") == [.toServer("EHLO pc.example.com\r\n")])
    #expect(h.server(try wireReply("mailkit__comcast-ehlo+pipelining.txt")) == [.toClient(
        "250-omta06.westchester.pa.mail.comcast.net hello [127.0.0.1], pleased to meet you\r\n"
            + "250-HELP\r\n250-AUTH LOGIN PLAIN\r\n250-SIZE 36700160\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")])
    #expect(h.client("MAIL FROM:<a@example.com> SIZE=28\r\n") == [.toServer("MAIL FROM:<a@example.com> SIZE=28\r\n")])
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.mailCommandTimeout))
    #expect(h.server("250 2.1.0 sender ok\r\n") == [.toClient("250 2.1.0 sender ok\r\n")])
    #expect(h.client("RCPT TO:<b@example.net>\r\n") == [.toServer("RCPT TO:<b@example.net>\r\n")])
    #expect(h.server("250 2.1.5 recipient ok\r\n") == [.toClient("250 2.1.5 recipient ok\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting])
    #expect(h.client("Subject: hi\r\n\r\nHello\r\n..dot\r\n.\r\n") == [
        .store("Subject: hi\r\n\r\nHello\r\n"), .store(".dot\r\n"), .scanMessage(env, size: 28),
    ])
    #expect(h.machine.timeout == RelayTimeout(side: .decision, duration: SMTPLimits.decisionTimeout))
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.dataInitiationTimeout))
    #expect(h.server(try wireReply("mailkit__comcast-data.txt")) == [.sendStoredMessageToServer])
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.dataTerminationTimeout))
    let done = try wireReply("mailkit__comcast-data-done.txt")
    #expect(h.server(done) == [.toClient(done), .releaseMessage])
    #expect(h.client("QUIT\r\n") == [.toServer("QUIT\r\n")])
    #expect(h.server("221 2.0.0 Bye\r\n") == [.toClient("221 2.0.0 Bye\r\n"), .closeClient, .closeServer])
    #expect(h.machine.isClosed)
    #expect(h.machine.timeout == nil)
    #expect(h.event(.serverClosed) == [])
    #expect(h.event(.clientClosed) == [])
}

@Test func multiLineReplyIsRelayedWholeOnlyOnceComplete() throws {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    #expect(h.client("EXPN list\r\n") == [.toServer("EXPN list\r\n")])
    let expn = try wireReply("mailkit__rfc0821-expn.txt")
    var relayed: [Action] = []
    for byte in expn.utf8 {
        relayed += h.machine.handle(.serverReceived(ByteBuffer(bytes: [byte])))
    }
    #expect(relayed == [.toClient(expn)])
}

@Test func multiLineGreetingIsRelayedWhole() {
    var h = RelayHarness()
    let banner = "220-mx.example.net ESMTP\r\n220-No UCE\r\n220 ready\r\n"
    #expect(h.server(banner) == [.toClient(banner)])
}

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
    #expect(h.server("354 go ahead\r\n") == [.sendStoredMessageToServer])
    #expect(h.server("521 5.2.1 : (CS01) This message is not accepted\r\n") == [
        .toClient("521 5.2.1 : (CS01) This message is not accepted\r\n"), .releaseMessage,
    ])
    // The transaction is over: a new DATA needs a new MAIL.
    #expect(h.client("DATA\r\n") == [.toClient("503 5.5.1 Bad sequence of commands: MAIL first\r\n")])
}

@Test func pipeliningClientIsServedInOrderOneCommandAtATime() throws {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    // All in one read, as a pipelining client sends them (RFC 2920), content included.
    #expect(h.client("MAIL FROM:<a@example.com>\r\nRCPT TO:<x@example.net>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
        == [.toServer("MAIL FROM:<a@example.com>\r\n")])
    let replies = try wireReply("mailkit__pipelined-mailbox-unavailable.txt").split(separator: "\r\n").map { String($0) + "\r\n" }
    #expect(h.server(replies[0]) == [.toClient("250 2.1.0 sender ok\r\n"), .toServer("RCPT TO:<x@example.net>\r\n")])
    #expect(h.server(replies[1]) == [.toClient("550 5.1.0 mailbox unavailable\r\n"), .toServer("RCPT TO:<b@example.net>\r\n")])
    #expect(h.server("250 2.1.5 Ok\r\n") == [
        .toClient("250 2.1.5 Ok\r\n"), .toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting,
    ])
    // Content, the dot and the next transaction in one read: MAIL waits for the delivery.
    #expect(h.client("hi\r\n.\r\nMAIL FROM:<c@example.com>\r\n") == [.store("hi\r\n"), .scanMessage(env, size: 4)])
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessageToServer])
    #expect(h.server("250 2.0.0 queued\r\n") == [
        .toClient("250 2.0.0 queued\r\n"), .releaseMessage, .toServer("MAIL FROM:<c@example.com>\r\n"),
    ])
}

@Test func serverAnsweringTwiceForOneCommandIsAProtocolError() throws {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("MAIL FROM:<a@example.com>\r\n")
    #expect(h.server(try wireReply("mailkit__pipelined-mail-from-rcpt-to.txt")) == [
        .toClient("250 2.1.0 sender ok\r\n"), .notice(.serverProtocolError(.unexpectedReply)),
        .toClient("421 4.4.2 Mail server protocol error\r\n"), .closeClient, .closeServer,
    ])
}

@Test func queuedPipelinedCommandsAreBoundedByPausingReads() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("NOOP\r\n")  // at the server
    let burst = String(repeating: "NOOP\r\n", count: 12_000)  // 72 000 bytes waiting
    #expect(h.client(burst) == [.pauseClientReads])
    var resumed = 0
    var forwarded = 0
    for _ in 0..<2000 {
        for action in h.server("250 2.0.0 Ok\r\n") {
            if action == .resumeClientReads { resumed += 1 }
            if action == .toServer("NOOP\r\n") { forwarded += 1 }
        }
    }
    #expect(resumed == 1)
    #expect(forwarded == 2000)
}

@Test func rsetMidTransactionClearsTheEnvelope() {
    var h = RelayHarness.inTransaction()
    #expect(h.client("RSET\r\n") == [.toServer("RSET\r\n")])
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toClient("250 2.0.0 Ok\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("503 5.5.1 Bad sequence of commands: MAIL first\r\n")])
}

@Test func dataWithoutAcceptedRecipientIsRefusedByTheAppliance() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("MAIL FROM:<a@example.com>\r\n")
    _ = h.server("250 2.1.0 Ok\r\n")
    _ = h.client("RCPT TO:<nobody@example.net>\r\n")
    #expect(h.server("550 5.1.1 User unknown\r\n") == [.toClient("550 5.1.1 User unknown\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("554 5.5.1 No valid recipients\r\n")])
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

// MARK: decisions

@Test func rewrittenMessageIsDeliveredDotStuffedWithCRLF() {
    var h = RelayHarness.scanning()
    #expect(h.decide(.deliverRewritten(ByteBuffer(string: "Subject: [SPAM] t\n\n.hidden\nhello\n"))) == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.toServer("Subject: [SPAM] t\r\n\r\n..hidden\r\nhello\r\n.\r\n")])
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

// MARK: over-size

@Test func overSizeMessageUnderThePassPolicyIsDeliveredUnscannedFromTheStore() {
    var h = RelayHarness.inTransaction(SMTPRelayConfiguration(maximumMessageSize: 10, sizeOverflow: .pass))
    _ = h.client("DATA\r\n")
    #expect(h.client("0123456789\r\n") == [.store("0123456789\r\n")])
    #expect(h.client("abc\r\n.\r\n") == [.store("abc\r\n"), .notice(.overSize(size: 17, delivered: true)), .toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessageToServer])
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

// MARK: refused commands

@Test func startTLSAndTurnAreRefusedByTheAppliance() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    #expect(h.client("STARTTLS\r\n") == [.toClient("502 5.5.1 Command not implemented\r\n")])
    #expect(h.client("TURN\r\n") == [.toClient("502 5.5.1 Command not implemented\r\n")])
}

@Test func bdatIsRefusedAndItsChunkIsNeverReadAsCommands() {
    var h = RelayHarness.inTransaction()
    let chunk = "RSET\r\nMAIL FROM:<evil@x>\r\n"  // 26 bytes that must not become commands
    #expect(h.client("BDAT 26 LAST\r\n" + chunk.prefix(10)) == [.toClient("502 5.5.1 Command not implemented\r\n")])
    #expect(h.client(String(chunk.dropFirst(10)) + "NOOP\r\n") == [.toServer("NOOP\r\n")])
}

// MARK: AUTH

@Test func authExchangeIsRelayedWithContinuationLinesRaw() throws {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    // The client script of the corpus (nc, bare LF): EHLO, AUTH LOGIN with initial response.
    let script = String(decoding: try fixture("dms__nc-dsn-authenticated.txt"), as: UTF8.self).split(separator: "\n")
    #expect(h.client(script[0] + "\n") == [.toServer("EHLO mail\r\n")])
    _ = h.server("250 mx\r\n")
    #expect(h.client(script[1] + "\n") == [.toServer("AUTH LOGIN dXNlcjFAbG9jYWxob3N0LmxvY2FsZG9tYWlu\r\n")])
    #expect(h.server("334 UGFzc3dvcmQ6\r\n") == [.toClient("334 UGFzc3dvcmQ6\r\n")])
    #expect(h.client(script[2] + "\n") == [.toServer("bXlwYXNzd29yZA==\r\n")])
    #expect(h.server("235 2.7.0 Authentication successful\r\n") == [.toClient("235 2.7.0 Authentication successful\r\n")])
}

@Test func authContinuationThatLooksLikeACommandIsStillRelayedRaw() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("AUTH LOGIN\r\n")
    #expect(h.server("334 VXNlcm5hbWU6\r\n") == [.toClient("334 VXNlcm5hbWU6\r\n")])
    #expect(h.client("STARTTLS\r\n") == [.toServer("STARTTLS\r\n")])
    #expect(h.server("334 UGFzc3dvcmQ6\r\n") == [.toClient("334 UGFzc3dvcmQ6\r\n")])
    #expect(h.client("*\r\n") == [.toServer("*\r\n")])
    #expect(h.server("501 5.7.0 cancelled\r\n") == [.toClient("501 5.7.0 cancelled\r\n")])
    #expect(h.client("STARTTLS\r\n") == [.toClient("502 5.5.1 Command not implemented\r\n")])
}

@Test func longAuthLineIsAllowedUpToRFC4954Limit() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let long = "AUTH PLAIN " + String(repeating: "A", count: 4000)
    #expect(h.client(long + "\r\n") == [.toServer(long + "\r\n")])
}

// MARK: over-long lines

@Test(arguments: [600, 12_000, 50_000])
func overLongCommandLineIsRefusedNotForwarded(length: Int) {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let line = "EHLO " + String(repeating: "h", count: length)
    #expect(h.client(line + "\r\nNOOP\r\n") == [.toClient("500 5.5.2 Line too long\r\n"), .toServer("NOOP\r\n")])
}

@Test func commandAtExactlyTheLimitIsForwarded() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let line = "NOOP " + String(repeating: "n", count: 505)  // 510 + CRLF = 512 (RFC 5321 §4.5.3.1.4)
    #expect(h.client(line + "\r\n") == [.toServer(line + "\r\n")])
}

// MARK: server misbehaviour

@Test(arguments: [
    ("HTTP/1.1 400 Bad Request\r\n", SMTPReplyError.malformedLine),
    ("250-mx\r\n251 x\r\n", .inconsistentCode),
    (String(repeating: "2", count: 600) + "\r\n", .lineTooLong),
    (String(repeating: "250-x\r\n", count: 200), .tooManyLines),
])
func garbageFromTheServerClosesWith421(garbage: String, error: SMTPReplyError) {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("EHLO pc\r\n")
    #expect(h.server(garbage) == [
        .notice(.serverProtocolError(error)), .toClient("421 4.4.2 Mail server protocol error\r\n"), .closeClient, .closeServer,
    ])
    #expect(h.client("QUIT\r\n") == [])
}

@Test func unsolicitedReplyIsGarbageButUnsolicited421IsRelayed() {
    var a = RelayHarness()
    _ = a.server("220 mx\r\n")
    #expect(a.server("250 surprise\r\n") == [
        .notice(.serverProtocolError(.unexpectedReply)), .toClient("421 4.4.2 Mail server protocol error\r\n"), .closeClient, .closeServer,
    ])
    var b = RelayHarness()
    _ = b.server("220 mx\r\n")
    #expect(b.server("421 4.4.2 mx closing: idle\r\n") == [.toClient("421 4.4.2 mx closing: idle\r\n"), .closeClient, .closeServer])
}

@Test func greetingThatRefusesServiceIsRelayed() throws {
    var h = RelayHarness()
    let reply = try wireReply("mailkit__greeting-not-ready.txt")
    #expect(h.server(reply) == [.toClient("221 ESMTP server not ready\r\n")])
    var closing = RelayHarness()
    #expect(closing.server("421 4.3.2 busy\r\n") == [.toClient("421 4.3.2 busy\r\n"), .closeClient, .closeServer])
}

@Test func serverReplyRefusingACommandIsRelayed() throws {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("MAIL FROM:<a@example.com>\r\n")
    let reply = try wireReply("mailkit__auth-required.txt")
    #expect(h.server(reply) == [.toClient("530 5.7.0 Authentication required\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("503 5.5.1 Bad sequence of commands: MAIL first\r\n")])
}

@Test func serverCloseGives421AndReleasesTheMessage() {
    var h = RelayHarness.scanning()
    #expect(h.event(.serverClosed) == [.toClient("421 4.4.2 Connection to the mail server lost\r\n"), .releaseMessage, .closeClient])
    #expect(h.decide(.deliverUnchanged) == [])
}

@Test func clientCloseClosesTheServer() {
    var h = RelayHarness.inTransaction()
    _ = h.client("DATA\r\nhalf a mess")
    #expect(h.event(.clientClosed) == [.releaseMessage, .closeServer])
}

// MARK: timeouts

@Test func timeoutsCloseWith421AndStaleOnesAreIgnored() {
    var h = RelayHarness()
    #expect(h.event(.timeout(.client)) == [])  // nobody waits for the client yet
    #expect(h.event(.timeout(.server)) == [
        .toClient("421 4.4.2 Mail server timed out\r\n"), .closeClient, .closeServer,
    ])
    var idle = RelayHarness.inTransaction()
    #expect(idle.event(.timeout(.server)) == [])
    #expect(idle.event(.timeout(.client)) == [
        .toClient("421 4.4.2 Timeout waiting for client input\r\n"), .closeClient, .closeServer,
    ])
}

// MARK: end-of-data smuggling

@Test(arguments: ["\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r", "\r.\r\n"])
func smuggledSecondMessageStaysContentAndNothingReachesTheServer(terminator: String) {
    var h = RelayHarness.inTransaction()
    _ = h.client("DATA\r\n")
    let smuggled = "Subject: a\r\n\r\nhi" + terminator + "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\n"
    let actions = h.client(smuggled)
    #expect(!actions.contains { if case .sendToServer = $0 { return true } else { return false } })
    #expect(!actions.contains { if case .scanMessage = $0 { return true } else { return false } })
    // The real end: everything before it is one message for the scan.
    let end = h.client("\r\n.\r\n")
    guard case .scanMessage(_, let size) = end.last else {
        Issue.record("no scan: \(end)")
        return
    }
    // The smuggled part is content, byte for byte; the CRLF before the real dot ends its last line.
    #expect(size == smuggled.utf8.count + 2)
}

@Test func netcatClientEndingDataWithBareLFDoesNotEndTheData() throws {
    // The corpus client script ends its content with ".\n" and then "QUIT\n": under the default
    // bare-LF policy the data is not over, so QUIT is content too (never a command).
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let script = try fixture("dms__nc-smtp-only.txt")
    #expect(h.client(bytes: script) == [.toServer("HELO mail.example.test\r\n")])
    #expect(h.server("250 mx\r\n") == [.toClient("250 mx\r\n"), .toServer("MAIL FROM: test@localhost\r\n")])
    #expect(h.server("250 2.1.0 Ok\r\n") == [.toClient("250 2.1.0 Ok\r\n"), .toServer("RCPT TO: user2@external.tld\r\n")])
    #expect(h.server("250 2.1.5 Ok\r\n") == [
        .toClient("250 2.1.5 Ok\r\n"), .toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting,
        .store("This is a test mail.\n\n"), .store("."), .store("\nQUIT\n"),
    ])
    #expect(h.machine.timeout?.side == .client)
}

@Test func bareLFRejectPolicyRefusesTheMessage() {
    var h = RelayHarness.inTransaction(SMTPRelayConfiguration(bareLineFeeds: .reject))
    _ = h.client("DATA\r\n")
    #expect(h.client("a\nb\r\n.\r\n") == [
        .store("a\nb\r\n"), .toClient("554 5.6.0 Message has bare LF line endings\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
}

@Test func batchSMTPScriptSentInOneReadIsRelayedAndCollected() throws {
    // The corpus Batch-SMTP file, sent at once: commands are served one by one, the content is
    // collected whole and QUIT waits until the message is done.
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let script = try fixture("spamassassin__bsmtp")
    #expect(h.client(bytes: script) == [.toServer("HELO example.com\r\n")])
    #expect(h.server("250 mx\r\n") == [.toClient("250 mx\r\n"), .toServer("MAIL FROM:<pertand@email.mondolink.com>\r\n")])
    #expect(h.server("250 Ok\r\n") == [.toClient("250 Ok\r\n"), .toServer("RCPT TO:<somebody@example.com>\r\n")])
    let actions = h.server("250 Ok\r\n")
    let stored = actions.compactMap { action -> [UInt8]? in
        if case .storeContent(let bytes) = action { return Array(bytes.readableBytesView) }
        return nil
    }.flatMap { $0 }
    let text = String(decoding: script, as: UTF8.self)
    let start = text.range(of: "DATA\r\n")!.upperBound
    let end = text.range(of: "\r\n.\r\nQUIT")!.lowerBound
    #expect(String(decoding: stored, as: UTF8.self) == String(text[start..<end]) + "\r\n")
    #expect(actions.last == .scanMessage(
        SMTPEnvelope(reversePath: "pertand@email.mondolink.com", forwardPaths: ["somebody@example.com"]), size: stored.count))
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    _ = h.server("354 go\r\n")
    #expect(h.server("250 queued\r\n") == [.toClient("250 queued\r\n"), .releaseMessage, .toServer("QUIT\r\n")])
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

@Test func replyLinesEndedByBareLFAreRelayedWithCRLF() {
    var h = RelayHarness()
    #expect(h.server("220-mx\n220 ready\n") == [.toClient("220-mx\r\n220 ready\r\n")])
}

// MARK: bounds and keepalive

@Test func recipientsBeyondTheBoundAreRefusedWith452() {
    var h = RelayHarness.inTransaction()
    for n in 2...SMTPLimits.maximumRecipients {
        _ = h.client("RCPT TO:<r\(n)@example.net>\r\n")
        _ = h.server("250 2.1.5 Ok\r\n")
    }
    #expect(h.client("RCPT TO:<one-too-many@example.net>\r\n") == [.toClient("452 4.5.3 Too many recipients\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting])
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
    #expect(h.client(".\r\n") == [.scanMessage(env, size: 10)])
    #expect(h.event(.keepaliveDue) == [.toServer("NOOP\r\n")])
    // The decision comes while the NOOP is out: DATA waits for the NOOP's reply.
    #expect(h.decide(.deliverUnchanged) == [])
    #expect(h.machine.serverKeepaliveInterval == nil)
    #expect(h.server("250 2.0.0 Ok\r\n") == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessageToServer])
    #expect(h.server("250 2.0.0 queued\r\n") == [.toClient("250 2.0.0 queued\r\n"), .releaseMessage])
}

@Test func keepaliveAnsweredWith421ClosesTheSession() {
    var h = RelayHarness.scanning()
    _ = h.event(.keepaliveDue)
    #expect(h.server("421 4.4.2 mx idle timeout\r\n") == [
        .toClient("421 4.4.2 mx idle timeout\r\n"), .releaseMessage, .closeClient, .closeServer,
    ])
}

@Test func authContinuationWithABareCRIsCancelledNotRelayed() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("AUTH LOGIN\r\n")
    _ = h.server("334 VXNlcm5hbWU6\r\n")
    #expect(h.client("dXNl\rRCPT TO:<x@y>\r\n") == [.toServer("*\r\n")])
    #expect(h.server("501 5.7.0 cancelled\r\n") == [.toClient("501 5.7.0 cancelled\r\n")])
}
