import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// Sessions whose surroundings change: the server cannot be reached, the settings change live.
@Suite struct SMTPRelaySessionLifecycleTests {
    @Test func unreachableServerGivesTheClient421() throws {
        let h = try ProxyHarness(serverUnreachable: true)
        #expect(try h.clientReceives() == "421 4.4.2 Connection to the mail server lost\r\n")
        #expect(!h.client.isActive)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func settingsAreReadPerMessage() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 0, virusNames: ["EICAR"]))
        _ = try h.serverReceives()
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives().contains("Subject: [VIRUS] hello"))
        try h.serverSends("250 Ok\r\n")
        _ = try h.clientReceives()

        // The console changes the policy; the next message in the same session follows it.
        var settings = h.settings.current
        settings.inspection.policy.spamAction = .reject
        settings.inspection.policy.virusAction = .reject
        h.settings.update(settings)
        try h.clientSends("MAIL FROM:<alice@example.com>\r\n")
        _ = try h.serverReceives()
        try h.serverSends("250 Ok\r\n")
        try h.clientSends("RCPT TO:<bob@example.net>\r\n")
        _ = try h.serverReceives()
        try h.serverSends("250 Ok\r\n")
        try h.clientSends("DATA\r\n")
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 0, virusNames: ["EICAR"]))
        #expect(try h.clientReceives() == "554 5.7.1 Message rejected by mail security (virus)\r\n")
        #expect(h.counter(.virus) == 2)
        #expect(h.counter(.tagged) == 1)
        #expect(h.counter(.rejected) == 1)
    }

    @Test func clientActivityPostponesTheTimeout() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        // Content may pause up to the data block timeout (RFC 5321 §4.5.3.2.5, 3 minutes).
        h.loop.advanceTime(by: .minutes(2))
        try h.clientSends("Subject: slow\r\n")
        h.loop.advanceTime(by: .minutes(2))
        #expect(try h.clientReceives() == "")  // 4 minutes in, 2 since the last bytes
        #expect(h.client.isActive)
        h.loop.advanceTime(by: .seconds(70))
        #expect(try h.clientReceives() == "421 4.4.2 Timeout waiting for client input\r\n")
        #expect(!h.client.isActive)
    }

    /// A byte every two minutes keeps every block wait short, but the DATA phase as a whole
    /// ends at `SMTPLimits.maximumDataDuration`.
    @Test func contentTrickledInIsCutOffAtTheOverallLimit() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        var elapsed = TimeAmount.zero
        while h.client.isActive && elapsed < .minutes(40) {
            try h.clientSends("x")
            h.loop.advanceTime(by: .minutes(2))
            elapsed = elapsed + .minutes(2)
        }
        #expect(elapsed == .minutes(30))  // SMTPLimits.maximumDataDuration
        #expect(try h.clientReceives() == "421 4.4.2 Timeout waiting for client input\r\n")
        #expect(!h.client.isActive)
    }

    /// A command dripped in byte by byte must still be whole within the command timeout.
    @Test func aCommandTrickledInIsCutOffAtTheCommandLimit() throws {
        let h = try ProxyHarness()
        try h.serverSends("220 mx.example.net ESMTP\r\n")
        _ = try h.clientReceives()
        var elapsed = TimeAmount.zero
        for byte in "EHLO a-very-slow-client.example.com".utf8 where h.client.isActive {
            try h.clientSends(String(UnicodeScalar(byte)))
            h.loop.advanceTime(by: .seconds(20))
            elapsed = elapsed + .seconds(20)
        }
        #expect(elapsed == .minutes(5))  // SMTPLimits.clientIdleTimeout
        #expect(try h.clientReceives() == "421 4.4.2 Timeout waiting for client input\r\n")
        #expect(!h.client.isActive)
    }

    @Test func eachScanHasItsOwnRequestID() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(h.scans.first?.requestID == "1-1")
    }
}
