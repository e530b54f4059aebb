import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// The commitment to `+OK` under the `reject` policy (docs/pop3-client-comforting.md), with
/// injected time: while a decision can still come within the silence budget nothing goes early
/// (a fast failure is a clean `-ERR [SYS/TEMP]`); when the budget runs out the relay commits to
/// `+OK` and comforts; after that a failure is an abort without QUIT, never a contradiction.
@Suite struct POP3RelayMachineCommitmentTests {
    static let content = "Subject: hi\r\n\r\nHello\r\n"
    static let tagHeader = ByteBuffer(string: "Subject: [SPAM] hi\r\n")
    static let tagged = POP3Decision.deliverRewritten(header: tagHeader, replacing: 13)
    static let taggedAction = Action.sendRewrittenMessage(to: .client, header: tagHeader, storedFrom: 13)
    static let reject = POP3RelayConfiguration(unavailablePolicy: .reject, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
    static let pass = POP3RelayConfiguration(unavailablePolicy: .pass, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))

    /// Logged in, `RETR 1` sent at 0 s, its content complete: the scan runs.
    static func scanning(status: String) -> [(Step, [Action])] {
        loggedIn + [
            (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
            (.server(status + content + ".\r\n"), [.startCollecting, .store(content), .scanMessage(1, size: 22)]),
        ]
    }

    static func sentQuit(_ actions: [Action]) -> Bool {
        actions.contains { action in
            if case .sendToServer(let bytes) = action { return bytes.string.uppercased().hasPrefix("QUIT") }
            return false
        }
    }

    @Test func aSlowScanStartsComfortAtTheBudgetAndTheTaggedAnswerCompletesTheCommittedPrefix() {
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            // A decision could still come in time: nothing may go (+OK and -ERR differ at byte one).
            (.tick(15), []), (.tick(30), []), (.tick(45), []), (.tick(49), []),
            // The budget ran out, the scan still runs: commitment, the first byte of +OK now…
            (.tick(50), [.toClient("+")]),
            (.tick(64), []),
            // … the rest of the safe prefix one per comfort interval.
            (.tick(65), [.toClient("O")]),
            (.tick(80), [.toClient("K")]),
            (.tick(90), []),
            // 90 s: the verdict (spam, tagged). The status line goes on from where it stopped,
            // its count corrected by the header's growth (22 → 29).
            (.decide(Self.tagged), [.toClient(" 29 octets\r\n"), Self.taggedAction, .releaseMessage]),
            // The session goes on normally.
            (.client("DELE 1\r\n"), [.toServer("DELE 1\r\n")]),
        ], Self.reject)
    }

    @Test func aCleanVerdictAfterTheCommitmentDeliversTheServersOwnStatusLine() {
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(50), [.toClient("+")]),
            (.tick(65), [.toClient("O")]),
            (.tick(80), [.toClient("K")]),
            (.tick(95), [.toClient(" ")]),
            (.tick(110), []),  // the count is all that is left: it may still change
            (.decide(.deliverUnchanged), [.toClient("22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
        ], Self.reject)
    }

    @Test func aScanFailingAfterTheCommitmentClosesBothSidesWithoutQuit() {
        let machine = expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(50), [.toClient("+")]),
            (.tick(65), [.toClient("O")]),
            // The service failed: -ERR can no longer be said. Abort: nothing more to the client,
            // the server side closed without QUIT (RFC 1939 §6: no UPDATE, nothing deleted).
            (.decide(.serviceUnavailable), [.notice(.abortedAfterCommitment(message: 1)), .releaseMessage, .closeClient, .closeServer]),
            // Whatever the client still sends goes nowhere; in particular no QUIT reaches the server.
            (.client("QUIT\r\n"), []),
            (.tick(80), []),
        ], Self.reject)
        #expect(machine.isClosed)
        #expect(machine.sessionState == .transaction)
    }

    @Test func theBudgetRunsAgainFromTheLastComfortByteThenTheWaitEndsInTheAbort() {
        let machine = expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(50), [.toClient("+")]),
            (.tick(65), [.toClient("O")]),
            (.tick(80), [.toClient("K")]),
            (.tick(95), [.toClient(" ")]),
            (.tick(144), []),
            (.tick(145), [.notice(.scanTimedOut(message: 1, delivered: false)), .notice(.abortedAfterCommitment(message: 1)),
                          .releaseMessage, .closeClient, .closeServer]),
            (.decide(Self.tagged), []),  // too late
        ], Self.reject)
        #expect(machine.isClosed)
    }

    @Test func aFastFailureIsACleanTempfailAndTheSessionGoesOn() {
        let transcript: [(Step, [Action])] = Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(3), []),
            (.decide(.serviceUnavailable), [.toClient("-ERR [SYS/TEMP] Mail security service unavailable, try again later\r\n"), .releaseMessage]),
            (.tick(60), []),
            (.client("QUIT\r\n"), [.toServer("QUIT\r\n")]),
        ]
        expectTranscript(transcript, Self.reject)
        // Also when the failure comes just before the budget would run out.
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(49), []),
            (.decide(.serviceUnavailable), [.toClient("-ERR [SYS/TEMP] Mail security service unavailable, try again later\r\n"), .releaseMessage]),
        ], Self.reject)
    }

    @Test func aStatusLineWithoutACountIsCommittedWhole() {
        expectTranscript(Self.scanning(status: "+OK message follows\r\n") + [
            (.tick(50), [.toClient("+")]),
            (.tick(65), [.toClient("O")]),
            (.tick(80), [.toClient("K")]),
            (.tick(95), [.toClient(" ")]),
            (.tick(110), [.toClient("m")]),
            (.decide(Self.tagged), [.toClient("essage follows\r\n"), Self.taggedAction, .releaseMessage]),
        ], Self.reject)
    }

    @Test func evenCommittedTheWholeWaitStaysUnderTheMaximumDecisionWait() {
        var machine = POP3RelayMachine(configuration: Self.reject)
        _ = run(Self.scanning(status: "+OK message follows\r\n").map(\.0), Self.reject, byteAtATime: false, machine: &machine)
        var all: [Action] = []
        var endedAt: Int64?
        for seconds in stride(from: Int64(5), through: 900, by: 5) where endedAt == nil {
            let actions = machine.handle(.tick(at(seconds)))
            all += actions
            if actions.contains(.closeServer) { endedAt = seconds }
        }
        // 21 bytes of comfort (50 s + 20 × 15 s) and the budget after the last one: 400 s.
        #expect(endedAt == 400)
        #expect(!Self.sentQuit(all))
        let limit = POP3Limits.maximumDecisionWait.nanoseconds / 1_000_000_000
        #expect(endedAt! <= limit)
    }

    @Test func underPassNothingChanges() {
        // Comfort from the first interval, as before; the budget after the last byte delivers
        // unscanned (docs/product.md §5), no commitment, no abort.
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(15), [.toClient("+")]), (.tick(30), [.toClient("O")]), (.tick(45), [.toClient("K")]), (.tick(60), [.toClient(" ")]),
            (.tick(109), []),
            (.tick(110), [.notice(.scanTimedOut(message: 1, delivered: true)), .toClient("22 octets\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
        ], Self.pass)
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n") + [
            (.tick(15), [.toClient("+")]),
            (.decide(Self.tagged), [.toClient("OK 29 octets\r\n"), Self.taggedAction, .releaseMessage]),
        ], Self.pass)
    }
}
