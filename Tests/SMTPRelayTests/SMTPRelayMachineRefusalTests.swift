import Foundation
import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay

/// Transcripts of what the appliance refuses itself, and of servers and clients that misbehave.

@Test func startTLSAndTurnAreRefusedByTheAppliance() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    // Under `TLSPolicy.block` (the machine's default); counted as blocked.
    #expect(h.client("STARTTLS\r\n") == [.notice(.tls(.blocked)), .toClient("502 5.5.1 Command not implemented\r\n")])
    #expect(h.client("TURN\r\n") == [.toClient("502 5.5.1 Command not implemented\r\n")])
}

@Test func identityAssertingCommandsAreRefusedNeverRelayed() {
    var h = RelayHarness.inTransaction()
    let refused: [Action] = [.toClient("502 5.7.0 Command not permitted through mail security\r\n")]
    #expect(h.client("XCLIENT ADDR=198.51.100.77 NAME=trusted.example\r\n") == refused)
    #expect(h.client("xforward ADDR=198.51.100.77\r\n") == refused)
    // The session goes on as before: the next command reaches the server.
    #expect(h.client("NOOP\r\n") == [.toServer("NOOP\r\n")])
}

@Test func bdatIsRefusedAndItsChunkIsNeverReadAsCommands() {
    var h = RelayHarness.inTransaction()
    let chunk = "RSET\r\nMAIL FROM:<evil@x>\r\n"  // 26 bytes that must not become commands
    #expect(h.client("BDAT 26 LAST\r\n" + chunk.prefix(10)) == [.toClient("502 5.5.1 Command not implemented\r\n")])
    #expect(h.client(String(chunk.dropFirst(10)) + "NOOP\r\n") == [.toServer("NOOP\r\n")])
}

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

@Test func timeoutsCloseWith421AndStaleOnesAreIgnored() {
    var h = RelayHarness()
    #expect(h.event(.timeout(.client)) == [])  // nobody waits for the client yet
    #expect(h.event(.timeout(.server)) == [
        .toClient("421 4.4.2 Mail server timed out\r\n"), .closeClient, .closeServer,
    ])
    var idle = RelayHarness.inTransaction()
    #expect(idle.event(.timeout(.server)) == [])
    #expect(idle.event(.timeout(.client)) == [
        .notice(.clientTimedOut), .toClient("421 4.4.2 Timeout waiting for client input\r\n"), .closeClient, .closeServer,
    ])
}
