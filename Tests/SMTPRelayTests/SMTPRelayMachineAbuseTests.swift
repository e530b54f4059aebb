import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay
import MailRelay

/// Transcripts of hostile clients (docs/reliability.md, Protocol abuse): every one ends in a
/// named limit, a clear reply and a closed session, never in growth or a stuck relay.

private let tooManyErrors = "421 4.7.0 Too many errors, closing connection\r\n"

@Test func invalidCommandsAnsweredByTheServerEndTheSessionAtTheErrorLimit() {
    var h = RelayHarness.inTransaction()
    for n in 1...SMTPLimits.maximumErrorReplies {
        #expect(h.client("XYZZY \(n)\r\n") == [.toServer("XYZZY \(n)\r\n")])
        let actions = h.server("500 5.5.2 Error: command not recognized\r\n")
        if n < SMTPLimits.maximumErrorReplies {
            #expect(actions == [.toClient("500 5.5.2 Error: command not recognized\r\n")])
        } else {
            // The last refusal is still heard, then the 421, and both sides close.
            #expect(actions == [.toClient("500 5.5.2 Error: command not recognized\r\n"), .notice(.tooManyErrors),
                                .toClient(tooManyErrors), .closeClient, .closeServer])
        }
    }
    #expect(h.machine.isClosed)
    #expect(h.client("NOOP\r\n") == [])
}

@Test func theAppliancesOwnRefusalsCountToo() {
    var h = RelayHarness.inTransaction()
    let long = "NOOP " + String(repeating: "x", count: SMTPLimits.maximumCommandLineLength) + "\r\n"
    var all: [Action] = []
    for _ in 0..<(SMTPLimits.maximumErrorReplies - 1) { all += h.client("TURN\r\n") }
    #expect(all.count == SMTPLimits.maximumErrorReplies - 1)
    #expect(h.client(long) == [.toClient("500 5.5.2 Line too long\r\n"), .notice(.tooManyErrors),
                               .toClient(tooManyErrors), .closeClient, .closeServer])
}

@Test func aNoopFloodIsCutOffAfterTheJunkLimit() {
    var h = RelayHarness.inTransaction()
    // Up to the junk limit NOOPs are relayed and answered as usual.
    for _ in 0..<SMTPLimits.maximumJunkCommands {
        #expect(h.client("NOOP\r\n") == [.toServer("NOOP\r\n")])
        #expect(h.server("250 2.0.0 Ok\r\n") == [.toClient("250 2.0.0 Ok\r\n")])
    }
    // Past it, each one counts as an error until the session ends.
    var relayed = 0
    while !h.machine.isClosed {
        let actions = h.client("RSET\r\n")
        if actions == [.toServer("RSET\r\n")] {
            relayed += 1
            _ = h.server("250 2.0.0 Ok\r\n")
        } else {
            #expect(actions == [.notice(.tooManyErrors), .toClient(tooManyErrors), .closeClient, .closeServer])
        }
        #expect(relayed < 1000)  // bounded
    }
    #expect(relayed == SMTPLimits.maximumErrorReplies - 1)
}

@Test func anAcceptedMailResetsTheJunkCount() {
    var h = RelayHarness.inTransaction()
    for _ in 0..<3 {
        for _ in 0..<SMTPLimits.maximumJunkCommands {
            _ = h.client("NOOP\r\n")
            _ = h.server("250 2.0.0 Ok\r\n")
        }
        _ = h.client("MAIL FROM:<a@example.com>\r\n")
        _ = h.server("250 2.1.0 Ok\r\n")
    }
    #expect(!h.machine.isClosed)
}

@Test func recipientsPastTheLimitGet452AndTheServerNeverSeesThem() {
    var h = RelayHarness.inTransaction(to: [])
    var sentToServer = 0
    for n in 0..<(SMTPLimits.maximumRecipients + 500) {
        let actions = h.client("RCPT TO:<user\(n)@example.net>\r\n")
        if n < SMTPLimits.maximumRecipients {
            #expect(actions == [.toServer("RCPT TO:<user\(n)@example.net>\r\n")])
            sentToServer += 1
            _ = h.server("250 2.1.5 Ok\r\n")
        } else {
            #expect(actions == [.toClient("452 4.5.3 Too many recipients\r\n")])
        }
    }
    // RFC 5321 §4.5.3.1.10: a 452 is not an error; the client sends the rest later.
    #expect(!h.machine.isClosed)
    #expect(sentToServer == SMTPLimits.maximumRecipients)
    #expect(h.client("DATA\r\n") == [.toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting])
}

@Test func aCommandMustArriveWholeWithinItsLimitAndEachCommandGetsItsOwnClock() {
    var h = RelayHarness.inTransaction()
    let first = h.machine.timeout
    // Waiting for a command: the limit is the duration, so dripping bytes cannot stretch it.
    #expect(first?.side == .client)
    #expect(first?.limit == SMTPLimits.clientIdleTimeout)
    #expect(first?.duration == SMTPLimits.clientIdleTimeout)
    #expect(h.client("NO") == [])
    #expect(h.machine.timeout == first)  // a partial line is no new command: same clock
    _ = h.client("OP\r\n")
    _ = h.server("250 2.0.0 Ok\r\n")
    #expect(h.machine.timeout != first)  // the next command gets a fresh clock
    #expect(h.machine.timeout?.limit == SMTPLimits.clientIdleTimeout)
}

@Test func dataMayPauseBetweenBlocksButHasAnOverallLimit() {
    var h = RelayHarness.inTransaction()
    _ = h.client("DATA\r\n")
    let wait = h.machine.timeout
    #expect(wait?.side == .client)
    #expect(wait?.duration == SMTPLimits.dataBlockTimeout)
    #expect(wait?.limit == SMTPLimits.maximumDataDuration)
    _ = h.client("Subject: slow\r\n")
    #expect(h.machine.timeout == wait)  // content is one wait, from the 354 to the "."
    #expect(h.event(.timeout(.client)) == [
        .notice(.clientTimedOut), .toClient("421 4.4.2 Timeout waiting for client input\r\n"), .releaseMessage,
        .closeClient, .closeServer,
    ])
}

@Test func timeoutsScaleTogether() {
    let scaled = SMTPTimeouts.standard.divided(by: 60)
    #expect(scaled.clientCommand == .seconds(5))
    #expect(scaled.dataBlock == .seconds(3))
    #expect(scaled.dataTotal == .seconds(30))
    #expect(scaled.initialGreeting == .seconds(5))
    var configuration = SMTPRelayConfiguration()
    configuration.timeouts = scaled
    var h = RelayHarness.inTransaction(configuration)
    #expect(h.machine.timeout?.duration == .seconds(5))
    _ = h.client("DATA\r\n")
    #expect(h.machine.timeout?.limit == .seconds(30))
}
