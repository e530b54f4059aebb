import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// Client comforting (docs/product.md §8) with injected time: only bytes every possible answer starts with
/// go early; at the silence budget the unavailable policy applies.

private let content = "Subject: hi\r\n\r\nHello\r\n"
private let tagged = POP3Decision.deliverRewritten(header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), replacing: 13)
private let taggedAction = Action.sendRewrittenMessage(to: .client, header: ByteBuffer(string: "Subject: [SPAM] hi\r\n"), storedFrom: 13)

private func scanning(status: String) -> [(Step, [Action])] {
    loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server(status + content + ".\r\n"), [.startCollecting, .store(content), .scanMessage(1, size: 22)]),
    ]
}

private let pass = POP3RelayConfiguration(unavailablePolicy: .pass, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
private let reject = POP3RelayConfiguration(unavailablePolicy: .reject, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))

@Test func underPassAStatusLineWithoutACountTricklesOutWholeBeforeTheDecision() {
    expectTranscript(scanning(status: "+OK message follows\r\n") + [
        (.tick(14), []),
        (.tick(15), [.toClient("+")]),
        (.tick(29), []),
        (.tick(30), [.toClient("O")]),
        (.tick(45), [.toClient("K")]),
        (.tick(60), [.toClient(" ")]),
        // A rewrite keeps a count-less status line as it is: the rest goes, then the message.
        (.decide(tagged), [.toClient("message follows\r\n"), taggedAction, .releaseMessage]),
    ], pass)
}

@Test func underPassOnlyTheBytesBeforeTheOctetCountGoEarly() {
    expectTranscript(scanning(status: "+OK 22 octets\r\n") + [
        (.tick(15), [.toClient("+")]),
        (.tick(30), [.toClient("O")]),
        (.tick(45), [.toClient("K")]),
        (.tick(60), [.toClient(" ")]),
        (.tick(75), []),  // the count may still change: nothing more is safe
        (.decide(tagged), [.toClient("29 octets\r\n"), taggedAction, .releaseMessage]),
    ], pass)
}

@Test func underPassTheSilenceBudgetEndsInAnUnscannedDelivery() {
    expectTranscript(scanning(status: "+OK 22 octets\r\n") + [
        (.tick(15), [.toClient("+")]), (.tick(30), [.toClient("O")]), (.tick(45), [.toClient("K")]), (.tick(60), [.toClient(" ")]),
        (.tick(109), []),
        (.tick(110), [.notice(.scanTimedOut(message: 1, delivered: true)), .toClient("22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
        (.decide(tagged), []),  // too late
    ], pass)
}

@Test func underRejectWithComfortingOffTheBudgetEndsInATempfail() {
    let rejectOff = POP3RelayConfiguration(unavailablePolicy: .reject, comfortInterval: nil, clientSilenceBudget: .seconds(50))
    expectTranscript(scanning(status: "+OK message follows\r\n") + [
        (.tick(15), []), (.tick(30), []), (.tick(45), []), (.tick(49), []),
        (.tick(50), [.notice(.scanTimedOut(message: 1, delivered: false)),
                     .toClient("-ERR [SYS/TEMP] Mail security scan timed out, try again later\r\n"), .releaseMessage]),
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
    ], rejectOff)
}

@Test func withComfortingOffTheClientHearsNothingUntilTheAnswer() {
    let off = POP3RelayConfiguration(unavailablePolicy: .pass, comfortInterval: nil, clientSilenceBudget: .seconds(50))
    expectTranscript(scanning(status: "+OK message follows\r\n") + [
        (.tick(15), []), (.tick(45), []),
        (.tick(50), [.notice(.scanTimedOut(message: 1, delivered: true)), .toClient("+OK message follows\r\n"),
                     .sendStoredMessage(to: .client), .releaseMessage]),
    ], off)
}

@Test func aTempfailAfterComfortBytesUnderPassClosesBothSidesWithoutQuit() {
    // Under pass the decision table gives no tempfail for an unavailable service, but a local
    // problem (the spill file failed) still can: the client gets no contradiction, only a
    // closed connection, and nothing is deleted.
    expectTranscript(scanning(status: "+OK message follows\r\n") + [
        (.tick(15), [.toClient("+")]),
        (.decide(.serviceUnavailable), [.notice(.abortedAfterCommitment(message: 1)), .releaseMessage, .closeClient, .closeServer]),
    ], pass)
}

@Test func comfortStartsWhileTheServerIsStillSendingTheContent() {
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK message follows\r\nSubject: hi\r\n"), [.startCollecting, .store("Subject: hi\r\n")]),
        (.tick(15), [.toClient("+")]),
        (.server("\r\nHello\r\n.\r\n"), [.store("\r\nHello\r\n"), .scanMessage(1, size: 22)]),
        (.tick(30), [.toClient("O")]),
        (.decide(.deliverUnchanged), [.toClient("K message follows\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
    ], pass)
}

@Test func overSizeFixesTheAnswerSoTheRestOfTheStatusLineGoesAtOnce() {
    let config = POP3RelayConfiguration(maximumMessageSize: 14, unavailablePolicy: .pass, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
    expectTranscript(loggedIn + [
        (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
        (.server("+OK 22 octets\r\nSubject: hi\r\n"), [.startCollecting, .store("Subject: hi\r\n")]),
        (.tick(15), [.toClient("+")]),
        (.server("\r\n"), [.store("\r\n"), .toClient("OK 22 octets\r\n")]),
        (.server("Hello\r\n.\r\n"), [.store("Hello\r\n"), .notice(.overSize(message: 1, size: 22)), .sendStoredMessage(to: .client), .releaseMessage]),
    ], config)
}

/// The rule, shown for every case: with comforting, the client receives exactly the bytes it
/// would receive without, for the answer that applied — for every status line, every policy,
/// every decision that policy allows and every moment it may come. (Comfort only moves bytes
/// earlier; it never changes one.)
@Test(arguments: [
    "+OK message follows\r\n", "+OK 22 octets\r\n", "+OK 22\r\n", "+OK\r\n", "+ok 22 octets\r\n",
])
func comfortNeverChangesAByteTheClientReceives(status: String) {
    let decisions: [(POP3RelayConfiguration.UnavailablePolicy, [POP3Decision])] = [
        (.pass, [.deliverUnchanged, tagged, .deliverRewritten(header: ByteBuffer(), replacing: 13)]),
        (.reject, [.deliverUnchanged, tagged, .serviceUnavailable]),
    ]
    func clientBytes(_ actions: [Action]) -> [UInt8] {
        actions.flatMap { action -> [UInt8] in
            if case .replyToClient(let bytes) = action { return Array(bytes.readableBytesView) }
            return []
        }
    }
    for (policy, possible) in decisions {
        for decision in possible {
            for seconds in stride(from: Int64(0), through: 600, by: 5) {
                // Comforted: ticks every 5 s up to `seconds`, then the decision.
                let config = POP3RelayConfiguration(unavailablePolicy: policy, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
                var machine = POP3RelayMachine(configuration: config)
                let steps = scanning(status: status).map(\.0) + stride(from: Int64(5), through: seconds, by: 5).map { Step.tick($0) } + [.decide(decision)]
                let comforted = run(steps, config, byteAtATime: false, machine: &machine).flatMap { $0 }
                // The answer that applied: the decision, or the unavailable policy at the budget.
                var applied = decision
                if comforted.contains(.notice(.scanTimedOut(message: 1, delivered: true))) { applied = .deliverUnchanged }
                if comforted.contains(.notice(.scanTimedOut(message: 1, delivered: false))) { applied = .tempfail(text: POP3RelayReplies.scanTimedOut) }
                if comforted.contains(.notice(.abortedAfterCommitment(message: 1))) {
                    // A tempfail after the commitment to +OK: the client got the beginning of the
                    // server's +OK line, then the close; the server got no QUIT.
                    let opening = Array("+OK POP3 ready\r\n+OK\r\n+OK Welcome.\r\n".utf8)
                    let bytes = clientBytes(comforted)
                    let answer = Array(bytes.dropFirst(opening.count))
                    #expect(bytes.starts(with: opening) && !answer.isEmpty && Array(status.utf8).starts(with: answer),
                            "\(status.debugDescription) \(policy) \(decision) at \(seconds)s")
                    #expect(comforted.suffix(2) == [.closeClient, .closeServer])
                    #expect(!comforted.contains { if case .sendToServer(let b) = $0 { return b.string.uppercased().hasPrefix("QUIT") } else { return false } })
                    continue
                }
                // Plain: no comforting, that answer at once.
                let plainConfig = POP3RelayConfiguration(unavailablePolicy: policy, comfortInterval: nil)
                var plainMachine = POP3RelayMachine(configuration: plainConfig)
                let plain = run(scanning(status: status).map(\.0) + [.decide(applied)], plainConfig, byteAtATime: false, machine: &plainMachine).flatMap { $0 }
                #expect(clientBytes(comforted) == clientBytes(plain), "\(status.debugDescription) \(policy) \(decision) at \(seconds)s")
                #expect(!comforted.contains { if case .notice(.answerContradictsComfort) = $0 { return true } else { return false } })
            }
        }
    }
}

@Test func theWholeWaitIsBoundedEvenWhileComfortBytesRemain() {
    let slow = POP3RelayConfiguration(unavailablePolicy: .pass, comfortInterval: .seconds(45), clientSilenceBudget: .seconds(50))
    var machine = POP3RelayMachine(configuration: slow)
    _ = run(scanning(status: "+OK message follows\r\n").map(\.0), slow, byteAtATime: false, machine: &machine)
    var sent: [UInt8] = []
    var gaveUpAt: Int64?
    for seconds in stride(from: Int64(45), through: 900, by: 45) where gaveUpAt == nil {
        for action in machine.handle(.tick(at(seconds))) {
            if case .replyToClient(let bytes) = action { sent += bytes.readableBytesView }
            if action == .notice(.scanTimedOut(message: 1, delivered: true)) { gaveUpAt = seconds }
        }
    }
    #expect(gaveUpAt == POP3Limits.maximumDecisionWait.nanoseconds / 1_000_000_000)
    #expect(sent == Array("+OK message follows\r\n".utf8))
}

@Test func silentClientIsLoggedOutWithoutQuit() {
    expectTranscript(loggedIn + [
        (.tick(599), []),
        // RFC 1939 §3 autologout: closed without entering UPDATE.
        (.tick(600), [.notice(.timedOut), .closeClient, .closeServer]),
    ])
}

/// A client that trickles a command in, a byte now and then, is logged out all the same: only a
/// whole command restarts the autologout clock (RFC 1939 §3).
@Test func aCommandTrickledInDoesNotPostponeTheAutologout() {
    expectTranscript(loggedIn + [
        (.tick(100), []),
        (.client("S"), []),
        (.tick(300), []),
        (.client("T"), []),
        (.tick(500), []),
        (.client("A"), []),
        (.tick(599), []),
        (.tick(600), [.notice(.timedOut), .closeClient, .closeServer]),
    ])
}

@Test func aWholeCommandRestartsTheAutologout() {
    expectTranscript(loggedIn + [
        (.tick(500), []),
        (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
        (.server("+OK\r\n"), [.toClient("+OK\r\n")]),
        (.tick(1099), []),
        (.tick(1100), [.notice(.timedOut), .closeClient, .closeServer]),
    ])
}

@Test func silentServerGivesTheClientATempfail() {
    expectTranscript(loggedIn + [
        (.tick(10), []),
        (.client("STAT\r\n"), [.toServer("STAT\r\n")]),
        (.tick(609), []),
        (.tick(610), [.notice(.timedOut), .toClient("-ERR [SYS/TEMP] Mail server timed out\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func comfortPrefixIsComputedFromTheStatusLine() {
    func prefix(_ line: String, _ policy: POP3RelayConfiguration.UnavailablePolicy) -> String {
        POP3ClientComfort(retrievalStatus: POP3Response.parse(ByteBuffer(string: line))!, unavailablePolicy: policy).safePrefix.string
    }
    #expect(prefix("+OK 1234 octets", .pass) == "+OK ")
    #expect(prefix("+OK message follows", .pass) == "+OK message follows\r\n")
    #expect(prefix("+OK 1234", .pass) == "+OK ")
    #expect(prefix("+OK 12a octets", .pass) == "+OK 12a octets\r\n")
    #expect(prefix("+OK 1234 octets", .reject) == "")
}

@Test func pipelinedCommandsDoNotHideASilentServer() {
    expectTranscript(loggedIn + [
        (.client("CAPA\r\n"), [.toServer("CAPA\r\n")]),
        (.tick(300), []),
        (.client("NOOP\r\n"), []),
        (.tick(599), []),
        // Nothing of the CAPA answer went yet: the client is told.
        (.tick(600), [.notice(.timedOut), .toClient("-ERR [SYS/TEMP] Mail server timed out\r\n"), .closeClient, .closeServer]),
    ])
}

@Test func silentServerMidListingIsClosedWithoutAnInventedLine() {
    expectTranscript(loggedIn + [
        (.client("LIST\r\n"), [.toServer("LIST\r\n")]),
        (.server("+OK\r\n1 100\r\n"), [.toClient("+OK\r\n1 100\r\n")]),
        (.tick(600), [.notice(.timedOut), .closeClient, .closeServer]),
    ])
}

@Test func theClientsIdleTimeStartsWithItsAnswerNotWithTheContent() {
    expectTranscript(scanning(status: "+OK 22 octets\r\n") + [
        (.tick(40), []),
        (.decide(.deliverUnchanged), [.toClient("+OK 22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
        (.tick(639), []),
        (.tick(640), [.notice(.timedOut), .closeClient, .closeServer]),
    ])
}

/// A flood of refused commands ends at `POP3Limits.maximumErrorResponses`, without QUIT (so no
/// UPDATE state: nothing is deleted).
@Test func refusedCommandsEndTheSessionAtTheErrorLimit() {
    var steps = loggedIn
    for n in 1..<POP3Limits.maximumErrorResponses {
        steps.append((.client("XYZZY \(n)\r\n"), [.toServer("XYZZY \(n)\r\n")]))
        steps.append((.server("-ERR Unknown command\r\n"), [.toClient("-ERR Unknown command\r\n")]))
    }
    steps.append((.client("STLS\r\n"), [
        .notice(.tls(.blocked)), .toClient("-ERR STLS not available\r\n"), .notice(.tooManyErrors),
        .toClient("-ERR Too many errors, closing connection\r\n"), .closeClient, .closeServer,
    ]))
    expectTranscript(steps)
}
