import NIOCore
import Testing
@testable import POP3Relay
import MailRelay
import TestSupport

/// Bytes from the wire never crash the relay (docs/engineering-habits.md, habit 4): garbage, over-long lines, random input.

@Test(arguments: [
    "HTTP/1.1 400 Bad Request\r\n",
    "* OK IMAP4rev1\r\n",
    "+OKAY\r\n",
    "\u{0}\u{FF}\r\n",
])
func garbageInsteadOfAStatusLineClosesTheSessionCleanly(garbage: String) {
    expectTranscript(loggedIn + [
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server(garbage), [.notice(.serverProtocolError), .toClient("-ERR [SYS/TEMP] Mail server protocol error\r\n"), .closeClient, .closeServer]),
        (.client("NOOP\r\n"), []),
    ])
}

/// RFC 1939 §3: CR only before LF. Relayed, `+OK 2 320\r-ERR` would read as two status lines to a
/// client that ends lines at CR, and it would take the second as the answer to its next command.
@Test(arguments: ["+OK 2 320\r-ERR x\r\n", "+OK\r\r\n", "-ERR [SYS/TEMP]\rlater\r\n"])
func statusLineWithABareCRIsAProtocolError(line: String) {
    expectTranscript(loggedIn + [
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server(line), [.notice(.serverProtocolError), .toClient("-ERR [SYS/TEMP] Mail server protocol error\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func unsolicitedServerLineIsAProtocolError() {
    expectTranscript(loggedIn + [
        (.server("+OK surprise\r\n"), [.notice(.serverProtocolError), .toClient("-ERR [SYS/TEMP] Mail server protocol error\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func saslChallengeOutsideAUTHIsAProtocolError() {
    expectTranscript(loggedIn + [
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server("+ hello\r\n"), [.notice(.serverProtocolError), .toClient("-ERR [SYS/TEMP] Mail server protocol error\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func overLongStatusLineFromTheServerIsAProtocolError() {
    expectTranscript(loggedIn + [
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.server("+OK " + String(repeating: "x", count: 600) + "\r\n"),
         [.notice(.serverProtocolError), .toClient("-ERR [SYS/TEMP] Mail server protocol error\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func overLongContentLinesAreStreamedIntoTheStore() {
    let long = String(repeating: "y", count: 5000) + "\r\n"
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK\r\n" + long + ".\r\n"), [.startCollecting, .store(long), .scanMessage(1, size: 5002)]),
    ])
}

@Test(arguments: [
    (String(repeating: "A", count: 300) + "\r\n", "-ERR Line too long\r\n"),
    ("USER " + String(repeating: "a", count: 300) + "\r\n", "-ERR Line too long\r\n"),
    (String(repeating: "A", count: 20000) + "\r\n", "-ERR Line too long\r\n"),
    ("USER a\rRETR 1\r\n", "-ERR Bare CR not allowed\r\n"),
])
func overLongOrBrokenCommandsAreRefusedAndTheSessionGoesOn(command: String, reply: String) {
    expectTranscript(loggedIn + [
        (.client(command), [.toClient(reply)]),
        (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
    ])
}

@Test func longAUTHInitialResponseIsForwarded() {
    let auth = "AUTH PLAIN " + String(repeating: "Q", count: 1000) + "\r\n"
    expectTranscript([
        (.server("+OK\r\n"), [.toClient("+OK\r\n")]),
        (.client(auth), [.toServer(auth)]),
    ])
}

@Test func capaListingPastItsBoundKeepsWholeLinesOnly() {
    let line = "X-" + String(repeating: "C", count: 98) + "\r\n"  // 102 octets
    let lines = POP3Limits.maximumCapabilityListBytes / 102 + 20
    var h = POP3RelayMachine()
    _ = h.handle(.serverReceived(ByteBuffer(string: "+OK\r\n")))
    _ = h.handle(.clientReceived(ByteBuffer(string: "CAPA\r\n")))
    let actions = h.handle(.serverReceived(ByteBuffer(string: "+OK\r\nUSER\r\n" + String(repeating: line, count: lines) + ".\r\n")))
    guard case .replyToClient(let out)? = actions.first else { Issue.record("no reply"); return }
    #expect(out.readableBytes <= POP3Limits.maximumCapabilityListBytes + 10)
    #expect(out.string.hasPrefix("+OK\r\nUSER\r\nX-"))
    #expect(out.string.hasSuffix("C\r\n.\r\n"))
    #expect(h.handle(.clientReceived(ByteBuffer(string: "NOOP\r\n"))) == [.toServer("NOOP\r\n")])
}

/// Bytes that look enough like POP3 to reach deep states.
private let pieces: [String] = [
    "\r\n", "\n", "\r", ".", "..", " ", "+OK", "-ERR", "+ ", "[SYS/TEMP]", "12", "octets",
    "USER a", "PASS b", "APOP x y", "AUTH", "AUTH PLAIN", "CAPA", "STLS", "LIST", "UIDL", "RETR 1",
    "TOP 1 0", "DELE 1", "QUIT", "*", "\u{0}", "\u{FF}", "x",
]

@Test(arguments: 0..<40)
func arbitraryBytesFromBothSidesNeverCrashAndResponsesStayWellFormed(seed: Int) {
    var rng = SeededGenerator(state: UInt64(seed))
    let config = POP3RelayConfiguration(
        maximumMessageSize: 64, unavailablePolicy: seed % 2 == 0 ? .pass : .reject,
        comfortInterval: seed % 3 == 0 ? nil : .seconds(5), clientSilenceBudget: .seconds(20))
    var machine = POP3RelayMachine(configuration: config)
    var actions: [Action] = []
    var now: Int64 = 0
    for _ in 0..<300 {
        var text = ""
        for _ in 0..<Int.random(in: 1...12, using: &rng) { text += pieces.randomElement(using: &rng)! }
        let bytes = ByteBuffer(string: text)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4: machine.handle(.clientReceived(bytes), into: &actions)
        case 4..<8: machine.handle(.serverReceived(bytes), into: &actions)
        case 8:
            let decisions: [POP3Decision] = [.deliverUnchanged, .deliverRewritten(header: bytes, replacing: 3), .serviceUnavailable]
            machine.handle(.decision(decisions.randomElement(using: &rng)!), into: &actions)
        default:
            now += Int64.random(in: 1...30, using: &rng)
            machine.handle(.tick(at(now)), into: &actions)
        }
        if machine.isClosed { break }
    }
    for action in actions {
        if case .sendToServer(let bytes) = action {
            #expect(Array(bytes.readableBytesView.suffix(2)) == [13, 10], "\(action)")
        }
    }
    #expect(!actions.isEmpty)
}
