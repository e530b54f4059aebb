import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// SMTP sessions as transcripts: C: the client, S: the server, A: the appliance (docs/product.md §5 rows).
@Suite struct SMTPSessionTests {
    static let message = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n.dot line\r\n"
    static let stuffed = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n..dot line\r\n.\r\n"
    static let dataReply = "354 End data with <CR><LF>.<CR><LF>\r\n"

    /// Sends the content and its terminator.
    func sendContent(_ h: ProxyHarness, _ message: String = Self.stuffed) throws {
        try h.clientSends(message)
    }

    @Test func cleanMessageIsRelayedByteForByteAfterTheScan() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        #expect(try h.clientReceives() == Self.dataReply)
        try sendContent(h)
        #expect(try h.serverReceives() == "")  // the server hears nothing before the verdict
        #expect(h.scans.count == 1)
        #expect(h.scans.first?.message == Self.message)
        h.scanAnswers(.verdict(score: 1, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives() == Self.stuffed)
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
        try sendContent(h)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives() == Self.stuffed.replacingOccurrences(of: "Subject: hello", with: "Subject: [SPAM] hello"))
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
        var settings = ProxySettings(enabled: true)
        settings.whiteList = WhiteList(patterns: [WhiteListPattern(number: 7, from: "*@example.com")], activeSet: [7])
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        _ = try h.serverReceives()
        try h.serverSends("354 go ahead\r\n")
        #expect(try h.serverReceives()
                == "X-Yamaha-Mail-Security: operation=send; result=spam; match=white\r\n" + Self.stuffed)
        #expect(h.counter(.whiteListed) == 1)
        #expect(h.logs == [.detectSpam(score: 95), .whiteListMatch(pattern: 7)])
        #expect(h.statistics.whiteListPatternMatches == [7: 1])
    }

    @Test func detectedVirusUnderRejectIs554AndNothingReachesTheServer() throws {
        var settings = ProxySettings(enabled: true)
        settings.policy.detectAction = .reject
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
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
        var settings = ProxySettings(enabled: true)
        settings.policy.detectAction = .transfer
        settings.notificationTo = .address("postmaster@example.com")
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
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
        let h = try ProxyHarness(ProxySettings(enabled: true, maximumMessageSize: 40))
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        #expect(h.scans.isEmpty)
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == Self.stuffed)
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n")
        #expect(h.counter(.overSize) == 1)
        #expect(h.logs == [.mailSizeOver(protocol: .smtp, size: Self.message.utf8.count)])
    }

    @Test func overSizeUnderRejectIs552() throws {
        var settings = ProxySettings(enabled: true, maximumMessageSize: 40)
        settings.policy.sizeOverflow = .reject
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives().hasPrefix("552 5.3.4 "))
        #expect(try h.serverReceives() == "RSET\r\n")
        #expect(h.counter(.overSize) == 1)
    }

    @Test func sizeParameterOverTheLimitIsRefusedEarly() throws {
        var settings = ProxySettings(enabled: true, maximumMessageSize: 1000)
        settings.policy.sizeOverflow = .reject
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
        try sendContent(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == "451 4.7.1 Mail security is unavailable, try again later\r\n")
        #expect(try h.serverReceives() == "RSET\r\n")
        #expect(h.counter(.rejectedInactiveLicense) == 1)
        #expect(h.logs == [.rejectInactiveLicense])
    }

    @Test func scanFailureUnderPassIsRelayedUnscanned() throws {
        var settings = ProxySettings(enabled: true)
        settings.policy.inactiveAction = .pass
        let h = try ProxyHarness(settings)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        h.scanAnswers(.unavailable(.serviceFailed))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == Self.stuffed)
        #expect(h.counter(.couldNotScan) == 1)
        #expect(h.logs == [.cannotScan(protocol: .smtp)])
    }

    @Test func mailSecurityOffRelaysWithoutScanningOrCounting() throws {
        let h = try ProxyHarness(ProxySettings(enabled: false))
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        #expect(h.scans.isEmpty)
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == Self.stuffed)
        #expect(h.counter(.inspected) == 0)
    }

    @Test func serverRefusingDataAfterTheContentGivesTheClientItsReply() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("554 5.5.1 Error: no valid recipients\r\n")
        #expect(try h.clientReceives() == "554 5.5.1 Error: no valid recipients\r\n")
        #expect(try h.serverReceives() == "RSET\r\n")
    }

    @Test func pipeliningClientIsServedInOrder() throws {
        let h = try ProxyHarness()
        try h.serverSends("220 mx ESMTP\r\n")
        _ = try h.clientReceives()
        try h.clientSends("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
        #expect(try h.serverReceives() == "MAIL FROM:<a@example.com>\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n")
        #expect(try h.serverReceives() == "RCPT TO:<b@example.net>\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n" + Self.dataReply)
        try sendContent(h)
        #expect(h.scans.count == 1)
    }

    @Test func rsetMidTransactionIsRelayed() throws {
        let h = try ProxyHarness()
        try h.serverSends("220 mx ESMTP\r\n")
        _ = try h.clientReceives()
        try h.clientSends("MAIL FROM:<a@example.com>\r\n")
        try h.serverSends("250 Ok\r\n")
        try h.clientSends("RSET\r\n")
        #expect(try h.serverReceives() == "MAIL FROM:<a@example.com>\r\nRSET\r\n")
        try h.serverSends("250 Reset\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n250 Reset\r\n")
        try h.clientSends("DATA\r\n")
        #expect(try h.clientReceives().hasPrefix("503 "))  // the transaction is gone
    }

    @Test func clientDisconnectMidDataDiscardsTheBufferAndLeavesNoSpillFile() throws {
        let h = try ProxyHarness(memoryThreshold: 16)
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(String(repeating: "a long line of content\r\n", count: 50))
        #expect(h.spill.createdFiles == 1)
        #expect(h.spill.openFiles == 1)
        try h.client.close().wait()
        #expect(h.spill.openFiles == 0)
        #expect(!h.server.isActive)
        #expect(h.scans.isEmpty)
        #expect(h.budget.counters.onDiskBytes == 0)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func clientDisconnectDuringTheScanCancelsIt() throws {
        let h = try ProxyHarness(memoryThreshold: 16)
        try h.openTransaction()
        _ = try h.clientReceives()
        try sendContent(h)
        #expect(h.scans.count == 1)
        try h.client.close().wait()
        #expect(h.cancelledScans >= 1)
        #expect(h.spill.openFiles == 0)
        h.scanAnswers(.verdict(score: 0, virusNames: []))  // too late: ignored
        #expect(try h.serverReceives().contains("DATA") == false)
    }

    @Test func spilledMessageIsDeliveredWhole() throws {
        let h = try ProxyHarness(memoryThreshold: 16)
        try h.openTransaction()
        _ = try h.clientReceives()
        let body = String(repeating: "line of text\r\n", count: 200)
        try h.clientSends("Subject: big\r\n\r\n" + body + ".\r\n")
        #expect(h.spill.createdFiles == 1)
        h.scanAnswers(.verdict(score: 80, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == "Subject: [SPAM] big\r\n\r\n" + body + ".\r\n")
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "250 Ok\r\n")
        #expect(h.spill.openFiles == 0)
    }

    @Test func serverDisconnectTellsTheClient() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.server.close().wait()
        #expect(try h.clientReceives() == "421 4.4.2 Connection to the mail server lost\r\n")
        #expect(!h.client.isActive)
    }

    @Test func sessionOverTheMemoryBudgetIsRefusedWith421() throws {
        let budget = MemoryBudget(configuration: .init(totalBytes: 1000, sessionFloorBytes: 2000))
        let h = try ProxyHarness(budget: budget)
        #expect(try h.clientReceives().hasPrefix("421 4.3.2 "))
        #expect(!h.client.isActive)
    }

    @Test func clientTimeoutAndKeepaliveAreScheduled() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends("Subject: slow\r\n")
        h.loop.advanceTime(by: .minutes(2))
        #expect(try h.serverReceives() == "NOOP\r\n")  // the server's transaction kept alive
        try h.serverSends("250 Ok\r\n")
        #expect(try h.clientReceives() == "")  // swallowed
        h.loop.advanceTime(by: .minutes(11))
        #expect(try h.clientReceives().hasPrefix("421 4.4.2 "))
        #expect(!h.client.isActive)
    }
}

/// Sessions whose surroundings change: the server cannot be reached, the settings change live.
@Suite struct SMTPSessionLifecycleTests {
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
        try h.clientSends(SMTPSessionTests.stuffed)
        h.scanAnswers(.verdict(score: 0, virusNames: ["EICAR"]))
        _ = try h.serverReceives()
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives().contains("Subject: [VIRUS] hello"))
        try h.serverSends("250 Ok\r\n")
        _ = try h.clientReceives()

        // The console changes the policy; the next message in the same session follows it.
        var settings = h.settings.current
        settings.policy.detectAction = .reject
        h.settings.update(settings)
        try h.clientSends("MAIL FROM:<alice@example.com>\r\n")
        _ = try h.serverReceives()
        try h.serverSends("250 Ok\r\n")
        try h.clientSends("RCPT TO:<bob@example.net>\r\n")
        _ = try h.serverReceives()
        try h.serverSends("250 Ok\r\n")
        try h.clientSends("DATA\r\n")
        _ = try h.clientReceives()
        try h.clientSends(SMTPSessionTests.stuffed)
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
        try h.clientSends(SMTPSessionTests.stuffed)
        #expect(h.scans.first?.requestID == "1-1")
    }
}

/// Backpressure both ways (docs/engineering-habits.md, habit 3): a side is read only while its partner can take writes.
@Suite struct SMTPSessionBackpressureTests {
    /// Counts the reads that get past the session's handler.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    func setWritable(_ channel: EmbeddedChannel, _ writable: Bool) {
        channel.isWritable = writable
        channel.pipeline.fireChannelWritabilityChanged()
    }

    @Test func clientIsNotReadWhileTheServerCannotTakeWrites() throws {
        let counter = ReadCounter()
        let h = try ProxyHarness(beforeInstall: { try $0.pipeline.syncOperations.addHandler(counter) })
        try h.serverSends("220 mx ESMTP\r\n")
        let before = counter.reads
        setWritable(h.server, false)
        h.client.read()
        #expect(counter.reads == before)  // held back
        setWritable(h.server, true)
        #expect(counter.reads == before + 1)  // issued once the server drained
        h.client.read()
        #expect(counter.reads == before + 2)
    }

    @Test func serverIsNotReadWhileTheClientCannotTakeWrites() throws {
        let counter = ReadCounter()
        let h = try ProxyHarness(beforeServerConnect: { try $0.pipeline.syncOperations.addHandler(counter) })
        let before = counter.reads
        setWritable(h.client, false)
        h.server.read()
        #expect(counter.reads == before)
        setWritable(h.client, true)
        #expect(counter.reads == before + 1)
    }

    @Test func deliveryWaitsForTheServerToDrain() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends("Subject: parts\r\n\r\n")
        try h.clientSends("first part\r\n")
        try h.clientSends("second part\r\n.\r\n")
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        setWritable(h.server, false)
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == "")  // nothing written while the server side is full
        setWritable(h.server, true)
        #expect(try h.serverReceives() == "Subject: parts\r\n\r\nfirst part\r\nsecond part\r\n.\r\n")
    }
}
