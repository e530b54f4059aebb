import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// Transcripts (docs/engineering-habits.md, habit 11) of sessions without a retrieval: login, CAPA, listings, pipelining.

@Test func apopGreetingIsRelayedByteForByteAndAPOPPassesUntouched() throws {
    let greeting = try wireReply("mailkit__lang-greeting-apop.txt")
    let machine = expectTranscript([
        (.server(greeting), [.toClient("+OK POP3 server ready <apop-token@example.com>\r\n")]),
        (.client("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"), [.toServer("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n")]),
        (.server("+OK maildrop has 1 message (369 octets)\r\n"), [.toClient("+OK maildrop has 1 message (369 octets)\r\n")]),
    ])
    #expect(machine.sessionState == .transaction)
}

@Test func errGreetingIsRelayedAndTheSessionClosed() throws {
    expectTranscript([
        (.server(try wireReply("mailkit__common-err-greeting.txt")), [.toClient("-ERR\r\n"), .closeClient, .closeServer]),
        (.client("USER a\r\n"), []),
    ])
}

@Test func userPassSessionMovesThroughTheRFC1939States() throws {
    var h = POP3RelayMachine()
    _ = h.handle(.serverReceived(ByteBuffer(string: try wireReply("mailkit__gmail-greeting.txt"))))
    _ = h.handle(.clientReceived(ByteBuffer(string: "USER alice\r\n")))
    _ = h.handle(.serverReceived(ByteBuffer(string: "+OK send PASS\r\n")))
    #expect(h.sessionState == .authorization)
    #expect(h.handle(.clientReceived(ByteBuffer(string: "PASS wrong\r\n"))) == [.toServer("PASS wrong\r\n")])
    #expect(h.handle(.serverReceived(ByteBuffer(string: "-ERR [AUTH] invalid password\r\n"))) == [.toClient("-ERR [AUTH] invalid password\r\n")])
    #expect(h.sessionState == .authorization)
    _ = h.handle(.clientReceived(ByteBuffer(string: "PASS right\r\n")))
    #expect(h.handle(.serverReceived(ByteBuffer(string: try wireReply("mailkit__gmail-auth.txt")))) == [.toClient("+OK Welcome.\r\n")])
    #expect(h.sessionState == .transaction)
    _ = h.handle(.clientReceived(ByteBuffer(string: "QUIT\r\n")))
    #expect(h.handle(.serverReceived(ByteBuffer(string: "+OK bye\r\n"))) == [.toClient("+OK bye\r\n"), .closeClient, .closeServer])
    #expect(h.sessionState == .update)
    #expect(h.isClosed)
}

@Test func saslContinuationLinesPassThroughUntouched() {
    let machine = expectTranscript([
        (.server("+OK ready\r\n"), [.toClient("+OK ready\r\n")]),
        (.client("AUTH LOGIN\r\n"), [.toServer("AUTH LOGIN\r\n")]),
        (.server("+ VXNlcm5hbWU6\r\n"), [.toClient("+ VXNlcm5hbWU6\r\n")]),
        (.client("YWxpY2U=\r\n"), [.toServer("YWxpY2U=\r\n")]),
        (.server("+ UGFzc3dvcmQ6\r\n"), [.toClient("+ UGFzc3dvcmQ6\r\n")]),
        // A SASL line is relayed raw even when it looks like a command.
        (.client("STLS\r\n"), [.toServer("STLS\r\n")]),
        (.server("+OK maildrop locked and ready\r\n"), [.toClient("+OK maildrop locked and ready\r\n")]),
    ])
    #expect(machine.sessionState == .transaction)
}

@Test func saslResponseWithABareCRIsCancelled() {
    expectTranscript([
        (.server("+OK ready\r\n"), [.toClient("+OK ready\r\n")]),
        (.client("AUTH PLAIN\r\n"), [.toServer("AUTH PLAIN\r\n")]),
        (.server("+ \r\n"), [.toClient("+ \r\n")]),
        (.client("AGFsaWNl\rAHNlY3JldA==\r\n"), [.toServer("*\r\n")]),
        (.server("-ERR [AUTH] cancelled\r\n"), [.toClient("-ERR [AUTH] cancelled\r\n")]),
    ])
}

@Test func authWithoutMechanismListsThemMultiLine() {
    expectTranscript([
        (.server("+OK ready\r\n"), [.toClient("+OK ready\r\n")]),
        (.client("AUTH\r\n"), [.toServer("AUTH\r\n")]),
        (.server("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n"), [.toClient("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n")]),
        (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
    ])
}

@Test func capaListingFromGmailLosesNothingButSTLSAndPipelining() throws {
    // The corpus listing as the server sent it, plus the two tags the relay removes.
    let capa = try wireReply("mailkit__gmail-capa1.txt").replacingOccurrences(of: "TOP\r\n", with: "TOP\r\nSTLS\r\nPipelining\r\n")
    expectTranscript([
        (.server("+OK Gpop ready\r\n"), [.toClient("+OK Gpop ready\r\n")]),
        (.client("CAPA\r\n"), [.toServer("CAPA\r\n")]),
        (.server(capa), [.toClient(try wireReply("mailkit__gmail-capa1.txt"))]),
    ])
}

/// Under `TLSPolicy.block` (the machine's default; `POP3RelayMachineTLSTests` for the others).
@Test func stlsIsRefusedByTheApplianceAndNeverForwarded() {
    expectTranscript([
        (.server("+OK ready\r\n"), [.toClient("+OK ready\r\n")]),
        (.client("STLS\r\n"), [.notice(.tls(.blocked)), .toClient("-ERR STLS not available\r\n")]),
        (.client("stls\r\nCAPA\r\n"), [.notice(.tls(.blocked)), .toClient("-ERR STLS not available\r\n"), .toServer("CAPA\r\n")]),
        (.server("+OK\r\nSTLS\r\nUSER\r\n.\r\n"), [.toClient("+OK\r\nUSER\r\n.\r\n")]),
    ])
}

@Test(arguments: [
    ("LIST\r\n", "mailkit__gmail-list.txt"),
    ("UIDL\r\n", "mailkit__gmail-uidl.txt"),
    ("LIST\r\n", "mailkit__comcast-list-error1.txt"),
])
func multiLineListingsAreRelayedWhole(command: String, reply: String) throws {
    let wire = try wireReply(reply)
    expectTranscript(loggedIn + [
        (.client(command), [.toServer(command)]),
        (.server(wire), [.toClient(wire)]),
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server(try wireReply("mailkit__gmail-stat.txt")), [.toClient("+OK 3 221409\r\n")]),
    ])
}

@Test func listingWithAnArgumentIsSingleLineAndSizesAreLeftAsTheServerGaveThem() {
    expectTranscript(loggedIn + [
        (.client("LIST 2\r\n"), [.toServer("LIST 2\r\n")]),
        (.server("+OK 2 200\r\n"), [.toClient("+OK 2 200\r\n")]),
        (.client("UIDL 9\r\n"), [.toServer("UIDL 9\r\n")]),
        (.server("-ERR no such message\r\n"), [.toClient("-ERR no such message\r\n")]),
        (.client("LIST\r\n"), [.toServer("LIST\r\n")]),
        (.server("-ERR [SYS/TEMP] busy\r\n"), [.toClient("-ERR [SYS/TEMP] busy\r\n")]),
        (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
    ])
}

@Test func listingLinesStartingWithADotAreUnstuffedAndStuffedAgain() {
    expectTranscript(loggedIn + [
        (.client("UIDL\r\n"), [.toServer("UIDL\r\n")]),
        // A server that stuffs correctly, and one lenient line ended by a bare LF.
        (.server("+OK\r\n1 ..odd\r\n2 x\n..\r\n.\r\n"), [.toClient("+OK\r\n1 ..odd\r\n2 x\r\n..\r\n.\r\n")]),
    ])
}

@Test func pipelinedCommandsAreServedInOrderOneAtATime() throws {
    let list = try wireReply("mailkit__gmail-list.txt")
    expectTranscript(loggedIn + [
        // RFC 2449 §6.6: all in one write; the relay sends one and keeps the rest.
        (.client("STAT\r\nLIST\r\nRETR 1\r\nQUIT\r\n"), [.toServer("STAT\r\n")]),
        (.server("+OK 3 3075\r\n"), [.toClient("+OK 3 3075\r\n"), .toServer("LIST\r\n")]),
        (.server(list), [.toClient(list), .toServer("RETR 1\r\n")]),
        (.server("+OK 4 octets\r\nhi\r\n.\r\n"), [.startCollecting, .store("hi\r\n"), .scanMessage(1, size: 4)]),
        (.decide(.deliverUnchanged), [.toClient("+OK 4 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage, .toServer("QUIT\r\n")]),
        (.server("+OK bye\r\n"), [.toClient("+OK bye\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func pipelinedCommandsBeyondTheQueueBoundPauseClientReads() {
    var h = POP3RelayMachine()
    _ = h.handle(.serverReceived(ByteBuffer(string: "+OK\r\n")))
    let many = String(repeating: "NOOP\r\n", count: POP3Limits.maximumQueuedCommandBytes / 6 + 10)
    #expect(h.handle(.clientReceived(ByteBuffer(string: many))) == [.toServer("NOOP\r\n"), .pauseClientReads])
    var resumed = false
    for _ in 0..<20 where !resumed {
        resumed = h.handle(.serverReceived(ByteBuffer(string: "+OK\r\n"))).contains(.resumeClientReads)
    }
    #expect(resumed)
}

@Test func unknownCommandsAndTheirResponsesAreRelayed() {
    expectTranscript(loggedIn + [
        (.client("XTND XLIST\r\n"), [.toServer("XTND XLIST\r\n")]),
        (.server("-ERR unknown\r\n"), [.toClient("-ERR unknown\r\n")]),
        (.client("DELE 1\r\nRSET\r\n"), [.toServer("DELE 1\r\n")]),
        (.server("+OK marked\r\n"), [.toClient("+OK marked\r\n"), .toServer("RSET\r\n")]),
        (.server("+OK reset\r\n"), [.toClient("+OK reset\r\n")]),
    ])
}

@Test func statWithoutASizeIsRelayedAsTheServerGaveIt() throws {
    let stat = try wireReply("mailkit__comcast-stat-error1.txt")
    expectTranscript(loggedIn + [
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server(stat), [.toClient("+OK 7\r\n")]),
    ])
}
