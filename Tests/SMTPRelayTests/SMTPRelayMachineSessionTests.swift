import Foundation
import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay
import MailRelay

/// Transcripts (docs/engineering-habits.md, habit 11) of ordinary sessions: relaying, multi-line replies, pipelining, AUTH.

@Test func cleanSessionIsRelayedAndTheClientGetsTheServersFinalReply() throws {
    var h = RelayHarness()
    let greeting = try wireReply("mailkit__comcast-greeting.txt")
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.initialGreetingTimeout))
    #expect(h.server(greeting) == [.toClient("220 ESMTP server ready\r\n")])
    #expect(h.machine.timeout == RelayTimeout(side: .client, duration: SMTPLimits.clientIdleTimeout,
                                              limit: SMTPLimits.clientIdleTimeout, turn: 0))
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
        .store("Subject: hi\r\n\r\nHello\r\n"), .store(".dot\r\n"), .scanMessage(transactionEnvelope, size: 28),
    ])
    #expect(h.machine.timeout == RelayTimeout(side: .decision, duration: SMTPLimits.decisionTimeout))
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    #expect(h.machine.timeout == RelayTimeout(side: .server, duration: SMTPLimits.dataInitiationTimeout))
    #expect(h.server(try wireReply("mailkit__comcast-data.txt")) == [.sendStoredMessage(to: .server)])
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
    #expect(h.client("hi\r\n.\r\nMAIL FROM:<c@example.com>\r\n") == [.store("hi\r\n"), .scanMessage(transactionEnvelope, size: 4)])
    #expect(h.decide(.deliverUnchanged) == [.toServer("DATA\r\n")])
    #expect(h.server("354 go\r\n") == [.sendStoredMessage(to: .server)])
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
    // A verb the relay passes on as it is (NOOP would meet the junk-command limit first).
    _ = h.client("XPNG\r\n")  // at the server
    let burst = String(repeating: "XPNG\r\n", count: 12_000)  // 72 000 bytes waiting
    #expect(h.client(burst) == [.pauseClientReads])
    var resumed = 0
    var forwarded = 0
    for _ in 0..<2000 {
        for action in h.server("250 2.0.0 Ok\r\n") {
            if action == .resumeClientReads { resumed += 1 }
            if action == .toServer("XPNG\r\n") { forwarded += 1 }
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
    #expect(h.client("STARTTLS\r\n") == [.notice(.tls(.blocked)), .toClient("502 5.5.1 Command not implemented\r\n")])
}

@Test func longAuthLineIsAllowedUpToRFC4954Limit() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let long = "AUTH PLAIN " + String(repeating: "A", count: 4000)
    #expect(h.client(long + "\r\n") == [.toServer(long + "\r\n")])
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

@Test func replyLinesEndedByBareLFAreRelayedWithCRLF() {
    var h = RelayHarness()
    #expect(h.server("220-mx\n220 ready\n") == [.toClient("220-mx\r\n220 ready\r\n")])
}

@Test func recipientsBeyondTheBoundAreRefusedWith452() {
    var h = RelayHarness.inTransaction()
    for n in 2...SMTPLimits.maximumRecipients {
        _ = h.client("RCPT TO:<r\(n)@example.net>\r\n")
        _ = h.server("250 2.1.5 Ok\r\n")
    }
    #expect(h.client("RCPT TO:<one-too-many@example.net>\r\n") == [.toClient("452 4.5.3 Too many recipients\r\n")])
    #expect(h.client("DATA\r\n") == [.toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting])
}

@Test func authContinuationWithABareCRIsCancelledNotRelayed() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    _ = h.client("AUTH LOGIN\r\n")
    _ = h.server("334 VXNlcm5hbWU6\r\n")
    #expect(h.client("dXNl\rRCPT TO:<x@y>\r\n") == [.toServer("*\r\n")])
    #expect(h.server("501 5.7.0 cancelled\r\n") == [.toClient("501 5.7.0 cancelled\r\n")])
}
