import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// SMTP relay sessions as transcripts, one per row of docs/product.md §5: what the verdict,
/// the settings and the scan service's state make of a message (C: client, S: server, A: appliance).
@Suite struct SMTPRelaySessionDecisionTests {
    @Test func cleanMessageIsRelayedByteForByteAfterTheScan() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        #expect(try h.clientReceives() == SMTPTranscript.dataReply)
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(try h.serverReceives() == "")  // the server hears nothing before the verdict
        #expect(h.scans.count == 1)
        #expect(h.scans.first?.message == SMTPTranscript.message)
        h.scanAnswers(.verdict(score: 1, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives() == SMTPTranscript.stuffed)
        #expect(try h.clientReceives() == "")  // nothing acknowledged before the server did
        try h.serverSends("250 2.0.0 Ok: queued as ABC\r\n")
        #expect(try h.clientReceives() == "250 2.0.0 Ok: queued as ABC\r\n")
        #expect(h.counter(.inspected) == 1)
        #expect(h.counter(.clean) == 1)
        #expect(h.logs.isEmpty)
        try h.clientSends("QUIT\r\n")
        #expect(try h.serverReceives() == "QUIT\r\n")
        try h.serverSends("221 2.0.0 Bye\r\n")
        #expect(try h.clientReceives() == "221 2.0.0 Bye\r\n")
        #expect(!h.client.isActive)
        #expect(!h.server.isActive)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func detectedSpamUnderPassGetsThePrefix() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives() == SMTPTranscript.stuffed.replacingOccurrences(of: "Subject: hello", with: "Subject: [SPAM] hello"))
        try h.serverSends("250 2.0.0 Ok\r\n")
        #expect(try h.clientReceives() == "250 2.0.0 Ok\r\n")
        #expect(h.counter(.spam) == 1)
        #expect(h.counter(.tagged) == 1)
        #expect(h.logs == [.detectSpam(score: 95)])
        let entry = try #require(h.statistics.detectionHistory.first)
        #expect(entry.subject == "hello")
        #expect(entry.from == "alice@example.com")
        #expect(entry.action == .tag)
        #expect(entry.score == 95)
        #expect(entry.virusNames.isEmpty)
    }

    @Test func contentInSeveralReadsIsTaggedWhole() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends("From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\n")
        try h.clientSends("GTUBE here\r\n\r\n.\r\n")
        h.scanAnswers(.verdict(score: 100, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == "From: a@example.com\r\nTo: b@example.net\r\nSubject: [SPAM] hi\r\n\r\nGTUBE here\r\n\r\n.\r\n")
    }

    /// The relay machine asks for the new header in front of the stored rest; the session
    /// stuffs both as one stream, with CRLF line endings and the terminator.
    @Test func rewrittenMessageIsDeliveredDotStuffedWithCRLF() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends("Subject: t\r\n\r\n..hidden\r\nhello\r\n.\r\n")
        h.scanAnswers(.verdict(score: 100, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == "Subject: [SPAM] t\r\n\r\n..hidden\r\nhello\r\n.\r\n")
        try h.serverSends("250 2.0.0 queued\r\n")
        #expect(try h.clientReceives() == "250 2.0.0 queued\r\n")
    }

    @Test func whiteListedDetectionGetsTheHeaderAndNoPrefix() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.whiteList = WhiteList(patterns: [WhiteListPattern(number: 7, from: "*@example.com")], activeSet: [7])
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        _ = try h.serverReceives()
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives()
                == "X-Yamaha-Mail-Security: operation=send; result=spam; match=white\r\n" + SMTPTranscript.stuffed)
        #expect(h.counter(.whiteListed) == 1)
        #expect(h.logs == [.detectSpam(score: 95), .whiteListMatch(pattern: 7)])
        #expect(h.statistics.whiteListPatternMatches == [7: 1])
    }

    @Test func detectedVirusUnderRejectIs554AndNothingReachesTheServer() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.spamAction = .reject
        settings.inspection.policy.virusAction = .reject
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 0, virusNames: ["Eicar-Test-Signature"]))
        #expect(try h.clientReceives() == "554 5.7.1 Message rejected by mail security (virus)\r\n")
        #expect(try h.serverReceives() == "RSET\r\n")
        try h.serverSends("250 2.0.0 Ok\r\n")
        #expect(try h.clientReceives() == "")  // the appliance's own RSET: swallowed
        #expect(h.counter(.virus) == 1)
        #expect(h.counter(.rejected) == 1)
        #expect(h.logs == [.detectVirus(names: ["Eicar-Test-Signature"])])
        let entry = try #require(h.statistics.detectionHistory.first)
        #expect(entry.virusNames == ["Eicar-Test-Signature"])
        #expect(entry.score == nil)
        #expect(entry.action == .reject)
    }

    @Test func detectedUnderTransferSendsTheNotificationInstead() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.spamAction = .transfer
        settings.inspection.policy.virusAction = .transfer
        settings.inspection.notificationTo = .address("postmaster@example.com")
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.verdict(score: 99, virusNames: []))
        #expect(try h.serverReceives() == "RSET\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.serverReceives() == "MAIL FROM:<mail-security@example.com>\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.serverReceives() == "RCPT TO:<postmaster@example.com>\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        let notification = try h.serverReceives()
        #expect(notification.contains("Subject: \(TransferNotification.subjectText)"))
        #expect(notification.contains("Content-Type: message/rfc822"))
        #expect(notification.contains("\r\n..dot line\r\n"))  // the original inside, stuffed again
        #expect(notification.hasSuffix("\r\n.\r\n"))
        try h.serverSends("250 2.0.0 Ok: queued as N\r\n")
        #expect(try h.clientReceives() == "250 2.0.0 Ok: queued as N\r\n")
        #expect(h.counter(.transferred) == 1)
        #expect(h.statistics.detectionHistory.first?.action == .transfer)
    }

    @Test func overSizeUnderPassIsRelayedUnscanned() throws {
        let h = try ProxyHarness(ProxySettings(inspection: InspectionSettings(enabled: true, maximumMessageSize: 40)))
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(h.scans.isEmpty)
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == SMTPTranscript.stuffed)
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n")
        #expect(h.counter(.overSize) == 1)
        #expect(h.logs == [.mailSizeOver(protocol: .smtp, size: SMTPTranscript.message.utf8.count)])
    }

    @Test func overSizeUnderRejectIs552() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true, maximumMessageSize: 40))
        settings.inspection.policy.sizeOverflow = .reject
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives().hasPrefix("552 5.3.4 "))
        #expect(try h.serverReceives() == "RSET\r\n")
        #expect(h.counter(.overSize) == 1)
    }

    @Test func sizeParameterOverTheLimitIsRefusedEarly() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true, maximumMessageSize: 1000))
        settings.inspection.policy.sizeOverflow = .reject
        let h = try ProxyHarness(settings)
        try h.serverSends("220 mx ESMTP\r\n")
        _ = try h.clientReceives()
        try h.clientSends("MAIL FROM:<a@example.com> SIZE=5000\r\n")
        #expect(try h.clientReceives().hasPrefix("552 5.3.4 "))
        #expect(try h.serverReceives() == "")
    }

    @Test func unavailableUnderRejectIs451() throws {
        let h = try ProxyHarness()
        h.unavailable.withLockedValue { $0 = .licenceInactive }
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == "451 4.7.1 Mail security is unavailable, try again later\r\n")
        #expect(try h.serverReceives() == "RSET\r\n")
        #expect(h.counter(.rejectedInactiveLicense) == 1)
        #expect(h.logs == [.rejectInactiveLicense])
    }

    @Test func scanFailureUnderPassIsRelayedUnscanned() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.inactiveAction = .pass
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        h.scanAnswers(.unavailable(.serviceFailed))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == SMTPTranscript.stuffed)
        #expect(h.counter(.couldNotScan) == 1)
        #expect(h.logs == [.cannotScan(protocol: .smtp)])
    }

    @Test func mailSecurityOffRelaysWithoutScanningOrCounting() throws {
        let h = try ProxyHarness(ProxySettings(inspection: InspectionSettings(enabled: false)))
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
        #expect(h.scans.isEmpty)
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == SMTPTranscript.stuffed)
        #expect(h.counter(.inspected) == 0)
    }
}
