import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// A TOP that asks for the whole message (`TOP n 99999999`, as fetchmail downloads with it) is a
/// retrieval: held, scanned, decided, rewritten, comforted and refused exactly as RETR. A TOP that
/// peeks (`TOP n 0`, `TOP n 10`) is relayed as before, tagged only from a remembered verdict.
@Suite struct POP3RelayMachineWholeMessageTopTests {
    static let content = "Subject: hi\r\n\r\nHello\r\n"
    static let tagHeader = ByteBuffer(string: "Subject: [SPAM] hi\r\n")
    static let tagged = POP3Decision.deliverRewritten(header: tagHeader, replacing: 13)
    static let taggedAction = Action.sendRewrittenMessage(to: .client, header: tagHeader, storedFrom: 13)

    /// Logged in, `TOP 1 99999999` answered with `status` and the whole content: nothing to the
    /// client yet, the scan runs.
    static func scanning(status: String, command: String = "TOP 1 99999999\r\n") -> [(Step, [Action])] {
        loggedIn + [
            (.client(command), [.toServer(command)]),
            (.server(status + content + ".\r\n"), [.startCollecting, .store(content), .scanMessage(1, size: 22)]),
        ]
    }

    @Test func aWholeMessageTOPIsScannedAndTaggedLikeRETR() {
        expectTranscript(Self.scanning(status: "+OK\r\n") + [
            // Dovecot's TOP status line states no count: it goes unchanged, then the tagged message.
            (.decide(Self.tagged), [.toClient("+OK\r\n"), Self.taggedAction, .releaseMessage]),
            (.client("DELE 1\r\n"), [.toServer("DELE 1\r\n")]),
        ])
    }

    @Test func aCleanWholeMessageTOPIsDeliveredAsTheServerGaveIt() {
        expectTranscript(Self.scanning(status: "+OK top of message follows\r\n") + [
            (.decide(.deliverUnchanged), [.toClient("+OK top of message follows\r\n"), .sendStoredMessage(to: .client), .releaseMessage]),
        ])
    }

    @Test func anOctetCountInTheTOPStatusLineIsCorrectedLikeRETRs() {
        expectTranscript(Self.scanning(status: "+OK 22 octets\r\n", command: "top 1 100000\r\n") + [
            (.decide(Self.tagged), [.toClient("+OK 29 octets\r\n"), Self.taggedAction, .releaseMessage]),
        ])
    }

    @Test func aWholeMessageTOPUnderTheRejectPolicyIsATempfailAndTheSessionGoesOn() {
        expectTranscript(Self.scanning(status: "+OK\r\n") + [
            (.decide(.serviceUnavailable), [.toClient("-ERR [SYS/TEMP] Mail security service unavailable, try again later\r\n"), .releaseMessage]),
            // Nothing was deleted; the client may retry.
            (.client("TOP 1 99999999\r\n"), [.toServer("TOP 1 99999999\r\n")]),
        ])
    }

    @Test func anOverSizeWholeMessageTOPIsRelayedUnscannedWithTheNotice() {
        expectTranscript(loggedIn + [
            (.client("TOP 2 99999999\r\n"), [.toServer("TOP 2 99999999\r\n")]),
            (.server("+OK\r\n0123456789\r\n"), [.startCollecting, .store("0123456789\r\n"), .toClient("+OK\r\n")]),
            (.server("abc\r\n.\r\n"), [.store("abc\r\n"), .notice(.overSize(message: 2, size: 17)), .sendStoredMessage(to: .client), .releaseMessage]),
        ], POP3RelayConfiguration(maximumMessageSize: 11))
    }

    @Test func aSlowScanOfAWholeMessageTOPIsComfortedAndCommittedLikeRETR() {
        let reject = POP3RelayConfiguration(unavailablePolicy: .reject, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
        expectTranscript(Self.scanning(status: "+OK\r\n") + [
            (.tick(49), []),
            // The silence budget ran out: the commitment to +OK, one byte per interval.
            (.tick(50), [.toClient("+")]),
            (.tick(65), [.toClient("O")]),
            // A failure now can only be the abort: both sides closed, no QUIT, nothing deleted.
            (.decide(.serviceUnavailable), [.notice(.abortedAfterCommitment(message: 1)), .releaseMessage, .closeClient, .closeServer]),
        ], reject)
    }

    @Test func underThePassPolicyTheStatusLineComfortsTheClient() {
        let pass = POP3RelayConfiguration(unavailablePolicy: .pass, comfortInterval: .seconds(15), clientSilenceBudget: .seconds(50))
        expectTranscript(Self.scanning(status: "+OK\r\n") + [
            (.tick(15), [.toClient("+")]),
            (.decide(Self.tagged), [.toClient("OK\r\n"), Self.taggedAction, .releaseMessage]),
        ], pass)
    }

    @Test(arguments: ["TOP 1 0\r\n", "TOP 1 10\r\n", "TOP 1 99999\r\n"])
    func aTOPThatPeeksIsRelayedAtOnceAndNotScanned(command: String) {
        expectTranscript(loggedIn + [
            (.client(command), [.toServer(command)]),
            (.server("+OK\r\n" + Self.content + ".\r\n"), [
                .toClient("+OK\r\n"), .startCollecting, .store(Self.content), .sendStoredMessage(to: .client), .releaseMessage,
            ]),
        ])
    }

    @Test func aPeekAfterAWholeMessageTOPGetsTheRememberedTags() {
        expectTranscript(Self.scanning(status: "+OK\r\n") + [
            (.decide(Self.tagged), [.toClient("+OK\r\n"), Self.taggedAction, .releaseMessage]),
            (.client("TOP 1 0\r\n"), [.toServer("TOP 1 0\r\n")]),
            (.server("+OK\r\nSubject: hi\r\n\r\n.\r\n"), [
                .toClient("+OK\r\n"), .startCollecting, .store("Subject: hi\r\n\r\n"), Self.taggedAction, .releaseMessage,
            ]),
        ])
    }

    @Test func aWholeMessageTOPAfterAScannedRETRIsScannedAgainAndTaggedTheSame() {
        expectTranscript(loggedIn + [
            (.client("RETR 1\r\n"), [.toServer("RETR 1\r\n")]),
            (.server("+OK 22 octets\r\n" + Self.content + ".\r\n"), [.startCollecting, .store(Self.content), .scanMessage(1, size: 22)]),
            (.decide(Self.tagged), [.toClient("+OK 29 octets\r\n"), Self.taggedAction, .releaseMessage]),
            // A retrieval is always judged afresh (the verdict comes from the scan, not memory).
            (.client("TOP 1 99999999\r\n"), [.toServer("TOP 1 99999999\r\n")]),
            (.server("+OK\r\n" + Self.content + ".\r\n"), [.startCollecting, .store(Self.content), .scanMessage(1, size: 22)]),
            (.decide(Self.tagged), [.toClient("+OK\r\n"), Self.taggedAction, .releaseMessage]),
        ])
    }

    @Test func anErrForAWholeMessageTOPIsRelayedAsIs() {
        expectTranscript(loggedIn + [
            (.client("TOP 9 99999999\r\n"), [.toServer("TOP 9 99999999\r\n")]),
            (.server("-ERR no such message\r\n"), [.toClient("-ERR no such message\r\n")]),
            (.client("NOOP\r\n"), [.toServer("NOOP\r\n")]),
        ])
    }
}
