import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// Transcripts of RETR and TOP: every POP3 row of docs/product.md §5, content framing, TOP tagging.

private let message = "Subject: hi\r\n\r\nHello\r\n"
private let retrieval: [(Step, [Action])] = loggedIn + [
    (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
    (.server("+OK 22 octets\r\n" + message + ".\r\n"), [.startCollecting, .store(message), .scanMessage(1, size: 22)]),
]
/// The rewrite a detected message gets (docs/product.md §5: POP3 always tags): "Subject: hi\r\n" (13
/// octets) becomes "Subject: [SPAM] hi\r\n" (20).
private let tagged = POP3Decision.deliverRewritten(header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), replacing: 13)
/// The white-list row: the X- header is added, no prefix.
private let whiteListed = POP3Decision.deliverRewritten(
    header: ByteBuffer(string: "X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\r\nSubject: hi\r\n"), replacing: 13)

@Test(arguments: [
    // docs/product.md §5 POP3 column, row by row.
    ("clean", POP3Decision.deliverUnchanged, [Action.toClient("+OK 22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
    ("detected, white-list match", whiteListed, [
        .toClient("+OK 91 octets\r\n"),
        .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\r\nSubject: hi\r\n"), storedFrom: 13),
        .releaseMessage,
    ]),
    ("detected, tagged", tagged, [
        .toClient("+OK 29 octets\r\n"), .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13), .releaseMessage,
    ]),
    ("unavailable, pass (relayed unscanned)", .deliverUnchanged, [.toClient("+OK 22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
    ("unavailable, reject", POP3Decision.serviceUnavailable, [
        .toClient("-ERR [SYS/TEMP] Mail security service unavailable, try again later\r\n"), .releaseMessage,
    ]),
])
func everyDecisionRowGivesTheClientItsAnswer(row: String, decision: POP3Decision, expected: [Action]) {
    expectTranscript(retrieval + [
        (.decide(decision), expected),
        // The session goes on; after a tempfail nothing was deleted and the client may retry.
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
    ])
}

@Test func overSizeMessageIsRelayedUnscannedWithANotice() {
    // The limit is crossed by the last byte of a read, so byte-at-a-time reads see the status
    // line go at the same place among the stores.
    let config = POP3RelayConfiguration(maximumMessageSize: 11)
    expectTranscript(loggedIn + [
        (.client("RETR 2\r\n"), [.toServer("RETR 2\r\n")]),
        (.server("+OK 17 octets\r\n0123456789\r\n"), [.startCollecting, .store("0123456789\r\n"),
                                                   .toClient("+OK 17 octets\r\n")]),
        (.server("abc\r\n.\r\n"), [.store("abc\r\n"), .notice(.overSize(message: 2, size: 17)), .sendStoredMessage(to: .client), .releaseMessage]),
        (.client("DELE 2\r\n"), [.toServer("DELE 2\r\n")]),
    ], config)
}

@Test func errFromTheServerForRETRIsRelayedAsIs() {
    expectTranscript(loggedIn + [
        (.client("RETR 7\r\n"), [.toServer("RETR 7\r\n")]),
        (.server("-ERR [IN-USE] no such message, only 3 messages in maildrop\r\n"),
         [.toClient("-ERR [IN-USE] no such message, only 3 messages in maildrop\r\n")]),
        (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
    ])
}

@Test func dotStuffedContentIsStoredUnstuffedAndEndsOnlyOnALoneDot() {
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK\r\n..leading\r\na . inside\r\n...\r\n. \r\n.x\r\n"), [
            .startCollecting, .store(".leading\r\na . inside\r\n..\r\n \r\nx\r\n"),
        ]),
        // "\n.\n" and ".\n" are not the terminator (no smuggling); only "\r\n.\r\n" is.
        (.server("end\n.\nmore\r\n.\r\n"), [.store("end\n.\nmore\r\n"), .scanMessage(1, size: 44)]),
    ])
}

@Test func corpusMessageWithOneStuffedLineIsStoredUnstuffed() throws {
    let wire = try wireReply("mailkit__gmail-retr1.txt")
    let body = wire.dropFirst("+OK message follows\r\n".count).dropLast(".\r\n".count)
    let unstuffed = body.replacingOccurrences(of: "\r\n..hmmessage", with: "\r\n.hmmessage")
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server(wire), [.startCollecting, .store(unstuffed), .scanMessage(1, size: unstuffed.utf8.count)]),
        (.decide(.deliverUnchanged), [.toClient("+OK message follows\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
    ])
}

@Test func messageWithoutASubjectIsJustContent() throws {
    let wire = try wireReply("mailkit__gmail-retr1-parse-error.txt")
    let body = String(wire.dropFirst("+OK message follows\r\n".count).dropLast(".\r\n".count))
    #expect(!body.contains("Subject"))
    expectTranscript(loggedIn + [
        (.client("RETR 3\r\n"), [.toServer("RETR 3\r\n")]),
        (.server(wire), [.startCollecting, .store(body), .scanMessage(3, size: body.utf8.count)]),
        // The decision table adds the missing Subject; the relay only places the bytes.
        (.decide(.deliverRewritten(header: ByteBuffer(string: "Subject: [SPAM]\r\n"), replacing: 0)), [
            .toClient("+OK message follows\r\n"),
            .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM]\r\n"), storedFrom: 0), .releaseMessage,
        ]),
    ])
}

@Test func topIsRelayedThroughTheStoreWhenNoVerdictIsKnown() throws {
    let wire = try wireReply("mailkit__gmail-top.txt")
    let body = String(wire.dropFirst("+OK message follows\r\n".count).dropLast(".\r\n".count))
    expectTranscript(loggedIn + [
        (.client("TOP 1 0\r\n"), [.toServer("TOP 1 0\r\n")]),
        (.server(wire), [.toClient("+OK message follows\r\n"), .startCollecting, .store(body),
                         .sendStoredMessage(to: .client), .releaseMessage]),
    ])
}

@Test func topOfAMessageThisSessionTaggedGetsTheSameHeader() {
    expectTranscript(retrieval + [
        (.decide(tagged), [.toClient("+OK 29 octets\r\n"), .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13), .releaseMessage]),
        (.client("TOP 1 0\r\n"), [.toServer("TOP 1 0\r\n")]),
        (.server("+OK\r\nSubject: hi\r\n\r\n.\r\n"), [
            .toClient("+OK\r\n"), .startCollecting, .store("Subject: hi\r\n\r\n"),
            .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13), .releaseMessage,
        ]),
        // Another message's TOP is not tagged.
        (.client("TOP 2 0\r\n"), [.toServer("TOP 2 0\r\n")]),
        (.server("+OK\r\nSubject: other\r\n\r\n.\r\n"), [
            .toClient("+OK\r\n"), .startCollecting, .store("Subject: other\r\n\r\n"), .sendStoredMessage(to: .client), .releaseMessage,
        ]),
    ])
}

@Test func topShorterThanTheRememberedRewriteIsRelayedUnchanged() {
    expectTranscript(retrieval + [
        (.decide(tagged), [.toClient("+OK 29 octets\r\n"), .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13), .releaseMessage]),
        (.client("TOP 1 0\r\n"), [.toServer("TOP 1 0\r\n")]),
        (.server("+OK\r\nX: y\r\n.\r\n"), [.toClient("+OK\r\n"), .startCollecting, .store("X: y\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
    ])
}

@Test func aLaterCleanDecisionForgetsTheRewrite() {
    var machine = expectTranscript(retrieval + [
        (.decide(tagged), [.toClient("+OK 29 octets\r\n"), .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13), .releaseMessage]),
    ])
    #expect(machine.remembered.count == 1)
    _ = machine.handle(.clientReceived(ByteBuffer(string: "RETR 1\r\n")))
    _ = machine.handle(.serverReceived(ByteBuffer(string: "+OK\r\n" + message + ".\r\n")))
    _ = machine.handle(.decision(.deliverUnchanged))
    #expect(machine.remembered.count == 0)
}

@Test func rememberedRewritesAreBounded() {
    var remembered = RememberedRewrites()
    for n in 1...(POP3Limits.maximumRememberedDecisions + 10) {
        remembered.set(.init(header: ByteBuffer(string: "Subject: [SPAM] x\r\n"), replacing: 11), for: n)
    }
    #expect(remembered.count == POP3Limits.maximumRememberedDecisions)
    #expect(remembered.rewrite(for: 1) == nil)
    #expect(remembered.rewrite(for: POP3Limits.maximumRememberedDecisions + 10) != nil)
    let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: POP3Limits.maximumRememberedHeaderBytes / 2 + 1)
    remembered.set(.init(header: big, replacing: 1), for: 1)
    remembered.set(.init(header: big, replacing: 1), for: 2)
    #expect(remembered.rewrite(for: 1) == nil)
    #expect(remembered.rewrite(for: 2) != nil)
}

@Test func clientThatDisconnectsMidRETRCausesNoDeleteAndNoQuit() {
    // RFC 1939 §6: only QUIT enters UPDATE. The relay closes the server side without QUIT, so
    // the server deletes nothing — not even messages the client marked with DELE before.
    let machine = expectTranscript(loggedIn + [
        (.client("DELE 1\r\n"), [.toServer("DELE 1\r\n")]),
        (.server("+OK message 1 deleted\r\n"), [.toClient("+OK message 1 deleted\r\n")]),
        (.client("RETR 2\r\n"), [.toServer("RETR 2\r\n")]),
        (.server("+OK 100 octets\r\nSubject: x\r\n"), [.startCollecting, .store("Subject: x\r\n")]),
        (.clientClosed, [.releaseMessage, .closeServer]),
        (.server("more\r\n.\r\n"), []),
        (.decide(.deliverUnchanged), []),
    ])
    #expect(machine.sessionState == .transaction)
    #expect(machine.isClosed)
}

@Test func clientThatDisconnectsWhileTheScanRunsCausesNoQuit() {
    expectTranscript(loggedIn + [
        // A pipelined QUIT waits behind the RETR; the client goes before it is served.
        (.client("RETR 1\r\nQUIT\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK\r\nhi\r\n.\r\n"), [.startCollecting, .store("hi\r\n"), .scanMessage(1, size: 4)]),
        (.clientClosed, [.releaseMessage, .closeServer]),
        (.decide(.deliverUnchanged), []),
        (.tick(600), []),
    ])
}

@Test func serverThatClosesWhileTheScanRunsGivesTheClientATempfail() {
    expectTranscript(retrieval + [
        (.serverClosed, [.toClient("-ERR [SYS/TEMP] Mail server connection lost\r\n"), .releaseMessage, .closeClient]),
        (.decide(.deliverUnchanged), []),
    ])
}

@Test func rewriteReplacingMoreThanTheMessageIsClamped() {
    expectTranscript(retrieval + [
        (.decide(.deliverRewritten(header: ByteBuffer(string: "X: y\r\n"), replacing: 99)), [
            .toClient("+OK 6 octets\r\n"), .sendRewrittenMessage(to: .client, header: ByteBuffer(string: "X: y\r\n"), storedFrom: 22), .releaseMessage,
        ]),
    ])
}

@Test func serverThatClosesMidRETRClosesTheClient() {
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK\r\nSubject: x\r\n"), [.startCollecting, .store("Subject: x\r\n")]),
        (.serverClosed, [.toClient("-ERR [SYS/TEMP] Mail server connection lost\r\n"), .releaseMessage, .closeClient]),
    ])
}

@Test func serverCloseWhileIdleClosesTheClient() {
    expectTranscript(loggedIn + [
        (.serverClosed, [.closeClient]),
        (.client("STAT\r\n"), []),
    ])
}

@Test(arguments: ["RETR\r\n", "RETR x\r\n", "RETR 1 2\r\n", "TOP 1\r\n", "TOP 1 x\r\n", "RETR 0\r\n"])
func retrievalWithoutAReadableMessageNumberIsRefusedLocally(command: String) {
    expectTranscript(loggedIn + [
        (.client(command), [.toClient("-ERR Invalid message number\r\n")]),
    ])
}

@Test func staleDecisionIsIgnored() {
    expectTranscript(loggedIn + [(.decide(.deliverUnchanged), [])])
}

@Test func storedContentSharesTheReadBufferInsteadOfCopyingIt() {
    var machine = POP3RelayMachine()
    for text in ["+OK\r\n", "USER a\r\n", "+OK\r\n", "PASS b\r\n", "+OK\r\n", "RETR 1\r\n"] {
        _ = text.hasPrefix("+") ? machine.handle(.serverReceived(ByteBuffer(string: text))) : machine.handle(.clientReceived(ByteBuffer(string: text)))
    }
    let read = ByteBuffer(string: "+OK\r\nSubject: x\r\n\r\n" + String(repeating: "body line\r\n", count: 100) + ".\r\n")
    let actions = machine.handle(.serverReceived(read))
    let readStart = read.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
    let stored = actions.compactMap { action -> ByteBuffer? in
        if case .storeContent(let slice) = action { return slice }
        return nil
    }
    #expect(stored.count == 1)
    // The slice points into the very bytes that were read, just past the status line.
    #expect(stored.first?.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) } == readStart + 5)
}
