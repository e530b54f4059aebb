import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// POP3 sessions as transcripts: C: the client, S: the server, A: the appliance (docs/product.md §5, POP3
/// column).
@Suite struct POP3SessionTests {
    static let message = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n.dot line\r\n"
    static let stuffed = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n..dot line\r\n.\r\n"
    static var octets: Int { message.utf8.count }
    static var status: String { "+OK \(octets) octets\r\n" }

    func harness(_ settings: ProxySettings = ProxySettings(inspection: InspectionSettings(enabled: true)), memoryThreshold: Int = 1 << 20) throws -> ProxyHarness {
        try ProxyHarness(settings, memoryThreshold: memoryThreshold, mailProtocol: .pop3)
    }

    /// Greeting, USER and PASS, relayed both ways byte for byte.
    func logIn(_ h: ProxyHarness) throws {
        try h.serverSends("+OK Dovecot ready.\r\n")
        #expect(try h.clientReceives() == "+OK Dovecot ready.\r\n")
        try h.clientSends("USER alice\r\n")
        #expect(try h.serverReceives() == "USER alice\r\n")
        try h.serverSends("+OK\r\n")
        #expect(try h.clientReceives() == "+OK\r\n")
        try h.clientSends("PASS secret\r\n")
        #expect(try h.serverReceives() == "PASS secret\r\n")
        try h.serverSends("+OK Logged in.\r\n")
        #expect(try h.clientReceives() == "+OK Logged in.\r\n")
    }

    /// RETR 1 and the server's whole answer.
    func retrieve(_ h: ProxyHarness, content: String = Self.stuffed, status: String = Self.status) throws {
        try h.clientSends("RETR 1\r\n")
        #expect(try h.serverReceives() == "RETR 1\r\n")
        try h.serverSends(status + content)
    }

    @Test func cleanMessageIsRelayedByteForByteAfterTheScan() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        #expect(try h.clientReceives() == "")  // nothing before the verdict (reject policy: no comfort)
        #expect(h.scans.count == 1)
        #expect(h.scans.first?.message == Self.message)
        h.scanAnswers(.verdict(score: 1, virusNames: []))
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.counter(.inspected) == 1)
        #expect(h.counter(.clean) == 1)
        #expect(h.statistics.value(.inspected, for: .smtp) == 0)
        #expect(h.logs.isEmpty)
        try h.clientSends("QUIT\r\n")
        #expect(try h.serverReceives() == "QUIT\r\n")
        try h.serverSends("+OK Logging out.\r\n")
        #expect(try h.clientReceives() == "+OK Logging out.\r\n")
        #expect(!h.client.isActive)
        #expect(!h.server.isActive)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func spamGetsThePrefixAndTheOctetCountIsCorrected() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        let tagged = Self.stuffed.replacingOccurrences(of: "Subject: hello", with: "Subject: [SPAM] hello")
        #expect(try h.clientReceives() == "+OK \(Self.octets + 7) octets\r\n" + tagged)
        #expect(h.counter(.spam) == 1)
        #expect(h.counter(.tagged) == 1)
        #expect(h.logs == [.detectSpam(score: 95)])
        let entry = try #require(h.statistics.detectionHistory.first)
        #expect(entry.mailProtocol == .pop3)
        #expect(entry.subject == "hello")
        #expect(entry.action == .tag)
        #expect(entry.score == 95)
        #expect(entry.virusNames.isEmpty)
        // docs/product.md §3: TOP of the same message gets the same tags.
        try h.clientSends("TOP 1 0\r\n")
        #expect(try h.serverReceives() == "TOP 1 0\r\n")
        try h.serverSends("+OK\r\nFrom: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\n.\r\n")
        #expect(try h.clientReceives() == "+OK\r\nFrom: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: [SPAM] hello\r\n\r\n.\r\n")
    }

    @Test func virusGetsTheVirusPrefix() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.scanAnswers(.verdict(score: 0, virusNames: ["Eicar-Signature"]))
        let tagged = Self.stuffed.replacingOccurrences(of: "Subject: hello", with: "Subject: [VIRUS] hello")
        #expect(try h.clientReceives() == "+OK \(Self.octets + 8) octets\r\n" + tagged)
        #expect(h.counter(.virus) == 1)
        #expect(h.logs == [.detectVirus(names: ["Eicar-Signature"])])
    }

    @Test func whiteListedDetectionGetsTheReceiveHeaderAndNoPrefix() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.whiteList = WhiteList(patterns: [WhiteListPattern(number: 7, from: "*@example.com")], activeSet: [7])
        let h = try harness(settings)
        try logIn(h)
        try retrieve(h)
        h.scanAnswers(.verdict(score: 99, virusNames: []))
        let received = try h.clientReceives()
        #expect(received.contains("X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\r\n"))
        #expect(!received.contains("[SPAM]"))
        #expect(received.hasSuffix("Hi Bob.\r\n..dot line\r\n.\r\n"))
        let header = "X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\r\n"
        #expect(received.hasPrefix("+OK \(Self.octets + header.utf8.count) octets\r\n"))
        #expect(h.counter(.whiteListed) == 1)
        #expect(h.logs.contains(.whiteListMatch(pattern: 7)))
        #expect(h.statistics.detectionHistory.first?.action == .white)
    }

    @Test func unavailableUnderRejectIsATempfailAndNothingIsDeleted() throws {
        let h = try harness()
        h.unavailable.withLockedValue { $0 = .licenceInactive }
        try logIn(h)
        try retrieve(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == "-ERR [SYS/TEMP] Mail security is unavailable, try again later\r\n")
        #expect(h.counter(.couldNotScan) == 1)
        #expect(h.counter(.rejectedInactiveLicense) == 1)
        #expect(h.logs == [.rejectInactiveLicense])
        try h.clientSends("QUIT\r\n")
        #expect(try h.serverReceives() == "QUIT\r\n")  // no DELE ever reached the server
    }

    @Test func scanFailureUnderPassIsRelayedUnscanned() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.inactiveAction = .pass
        let h = try harness(settings)
        try logIn(h)
        try retrieve(h)
        h.scanAnswers(.unavailable(.serviceFailed))
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.counter(.couldNotScan) == 1)
        #expect(h.logs == [.cannotScan(protocol: .pop3)])
    }

    @Test func unavailableUnderPassIsRelayedUnscanned() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.inactiveAction = .pass
        let h = try harness(settings)
        h.unavailable.withLockedValue { $0 = .serviceFailed }
        try logIn(h)
        try retrieve(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.counter(.couldNotScan) == 1)
    }

    @Test func overSizeIsRelayedUnscannedAndCounted() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.maximumMessageSize = 50
        let h = try harness(settings)
        try logIn(h)
        try retrieve(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.counter(.overSize) == 1)
        #expect(h.logs == [.mailSizeOver(protocol: .pop3, size: Self.octets)])
    }

    @Test func mailSecurityOffRelaysWithoutScanningOrCounting() throws {
        let h = try harness(ProxySettings(inspection: InspectionSettings(enabled: false)))
        try logIn(h)
        try retrieve(h)
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.scans.isEmpty)
        #expect(h.counter(.inspected) == 0)
        #expect(h.logs.isEmpty)
    }

    @Test func spilledMessageIsDeliveredWholeAndTheFileClosed() throws {
        let h = try harness(memoryThreshold: 16)
        try logIn(h)
        let body = String(repeating: "line of text\r\n", count: 200)
        try retrieve(h, content: "Subject: big\r\n\r\n" + body + ".\r\n", status: "+OK message follows\r\n")
        #expect(h.spill.createdFiles == 1)
        h.scanAnswers(.verdict(score: 80, virusNames: []))
        #expect(try h.clientReceives() == "+OK message follows\r\nSubject: [SPAM] big\r\n\r\n" + body + ".\r\n")
        #expect(h.spill.openFiles == 0)
    }

    @Test func clientDisconnectMidRetrLeavesNoSpillFileAndNoQuit() throws {
        let h = try harness(memoryThreshold: 16)
        try logIn(h)
        try h.clientSends("RETR 1\r\n")
        _ = try h.serverReceives()
        try h.serverSends("+OK 5000 octets\r\n" + String(repeating: "a long line of content\r\n", count: 50))
        #expect(h.spill.createdFiles == 1)
        #expect(h.spill.openFiles == 1)
        try h.client.close().wait()
        #expect(h.spill.openFiles == 0)
        #expect(!h.server.isActive)
        #expect(try h.serverReceives() == "")  // closed without QUIT: nothing deleted
        #expect(h.scans.isEmpty)
        #expect(h.budget.counters.onDiskBytes == 0)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func clientDisconnectDuringTheScanCancelsIt() throws {
        let h = try harness(memoryThreshold: 16)
        try logIn(h)
        try retrieve(h)
        #expect(h.scans.count == 1)
        #expect(h.spill.openFiles == 1)
        try h.client.close().wait()
        #expect(h.cancelledScans >= 1)
        #expect(h.spill.openFiles == 0)
        #expect(!h.server.isActive)
        h.scanAnswers(.verdict(score: 0, virusNames: []))  // too late: ignored
        #expect(try h.serverReceives() == "")
        #expect(h.counter(.inspected) == 0)
    }

    @Test func ticksComfortTheClientUnderPass() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.inspection.policy.inactiveAction = .pass
        let h = try harness(settings)
        try logIn(h)
        try retrieve(h, status: "+OK message follows\r\n")
        #expect(try h.clientReceives() == "")
        h.loop.advanceTime(by: .seconds(16))
        #expect(try h.clientReceives() == "+")  // one byte every possible answer starts with
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        #expect(try h.clientReceives() == "OK message follows\r\n" + Self.stuffed)
    }

    @Test func withComfortingOffTheSilenceBudgetUnderRejectEndsInATempfailAndCancelsTheScan() throws {
        var settings = ProxySettings(inspection: InspectionSettings(enabled: true))
        settings.pop3ComfortInterval = nil
        let h = try harness(settings)
        try logIn(h)
        try retrieve(h)
        h.loop.advanceTime(by: .seconds(52))
        #expect(try h.clientReceives() == "-ERR [SYS/TEMP] Mail security scan timed out, try again later\r\n")
        #expect(h.cancelledScans == 1)
        #expect(h.counter(.couldNotScan) == 1)
        h.scanAnswers(.verdict(score: 100, virusNames: []))  // too late: ignored, not counted
        #expect(try h.clientReceives() == "")
        #expect(h.counter(.inspected) == 0)
        try h.clientSends("RETR 1\r\n")  // the session goes on
        #expect(try h.serverReceives() == "RETR 1\r\n")
    }

    @Test func aFastScanFailureUnderRejectIsACleanTempfail() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.loop.advanceTime(by: .seconds(5))
        h.scanAnswers(.unavailable(.serviceFailed))
        #expect(try h.clientReceives().hasPrefix("-ERR [SYS/TEMP] "))
        #expect(h.counter(.couldNotScan) == 1)
        try h.clientSends("QUIT\r\n")  // the session goes on
        #expect(try h.serverReceives() == "QUIT\r\n")
    }

    @Test func aSlowScanUnderRejectCommitsToOKAtTheBudgetAndTheVerdictCompletesTheLine() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.loop.advanceTime(by: .seconds(48))
        #expect(try h.clientReceives() == "")  // a -ERR could still come in time: nothing goes
        h.loop.advanceTime(by: .seconds(4))
        #expect(try h.clientReceives() == "+")  // the budget ran out: committed to +OK
        h.loop.advanceTime(by: .seconds(15))
        #expect(try h.clientReceives() == "O")
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        let tagged = Self.stuffed.replacingOccurrences(of: "Subject: hello", with: "Subject: [SPAM] hello")
        #expect(try h.clientReceives() == "K \(Self.octets + 7) octets\r\n" + tagged)
        #expect(h.counter(.spam) == 1)
    }

    @Test func aScanFailureAfterTheCommitmentClosesBothSidesWithoutQuit() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.loop.advanceTime(by: .seconds(52))
        #expect(try h.clientReceives() == "+")
        h.scanAnswers(.unavailable(.serviceFailed))
        #expect(try h.clientReceives() == "")  // no -ERR after a +OK byte: the close says it
        #expect(try h.serverReceives() == "")  // no QUIT: the server never enters UPDATE
        #expect(!h.client.isActive)
        #expect(!h.server.isActive)
        #expect(h.counter(.couldNotScan) == 1)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func theBudgetAfterTheLastComfortByteEndsInTheAbortAndCancelsTheScan() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.loop.advanceTime(by: .seconds(52))
        h.loop.advanceTime(by: .seconds(45))
        #expect(try h.clientReceives() == "+OK ")  // the safe prefix of "+OK n octets", all of it
        h.loop.advanceTime(by: .seconds(45))
        #expect(h.client.isActive)
        h.loop.advanceTime(by: .seconds(10))
        #expect(try h.clientReceives() == "")
        #expect(try h.serverReceives() == "")
        #expect(!h.client.isActive)
        #expect(!h.server.isActive)
        #expect(h.cancelledScans == 1)
        #expect(h.counter(.couldNotScan) == 1)
    }

    @Test func pipelinedCommandsAfterADeliveryAreAnsweredInOrder() throws {
        let h = try harness()
        try logIn(h)
        try h.clientSends("RETR 1\r\nNOOP\r\n")
        #expect(try h.serverReceives() == "RETR 1\r\n")
        try h.serverSends(Self.status + Self.stuffed)
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        #expect(try h.serverReceives() == "NOOP\r\n")
        try h.serverSends("+OK\r\n")
        #expect(try h.clientReceives() == Self.status + Self.stuffed + "+OK\r\n")
    }

    @Test func sessionOverTheMemoryBudgetIsRefusedWithATempfail() throws {
        let budget = MemoryBudget(configuration: .init(totalBytes: 1000, sessionFloorBytes: 2000))
        let h = try ProxyHarness(budget: budget, mailProtocol: .pop3)
        #expect(try h.clientReceives().hasPrefix("-ERR [SYS/TEMP] "))
        #expect(!h.client.isActive)
    }

    @Test func unreachableServerGivesTheClientATempfail() throws {
        let h = try ProxyHarness(serverUnreachable: true, mailProtocol: .pop3)
        #expect(try h.clientReceives().hasPrefix("-ERR [SYS/TEMP] "))
        #expect(!h.client.isActive)
        #expect(h.budget.counters.sessions == 0)
    }

    @Test func settingsAreReadPerMessage() throws {
        let h = try harness()
        try logIn(h)
        try retrieve(h)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        #expect(try h.clientReceives().contains("Subject: [SPAM] hello"))
        var settings = h.settings.current
        settings.inspection.policy.spamPrefix = "[JUNK]"
        h.settings.update(settings)
        try retrieve(h)
        h.scanAnswers(.verdict(score: 95, virusNames: []))
        #expect(try h.clientReceives().contains("Subject: [JUNK] hello"))
        settings.inspection.maximumMessageSize = 10  // lowered mid-session: the next RETR is over size
        h.settings.update(settings)
        try retrieve(h)
        #expect(h.scans.isEmpty)
        #expect(try h.clientReceives() == Self.status + Self.stuffed)
        #expect(h.counter(.overSize) == 1)
    }

    @Test func serverGoneWhileASpilledMessageStreamsEndsTheClientAfterTheMessage() throws {
        let h = try harness(memoryThreshold: 16)
        try logIn(h)
        let body = String(repeating: "line of text\r\n", count: 200)
        try retrieve(h, content: "Subject: big\r\n\r\n" + body + ".\r\n", status: "+OK message follows\r\n")
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        try h.server.close().wait()
        #expect(try h.clientReceives() == "+OK message follows\r\nSubject: big\r\n\r\n" + body + ".\r\n")
        #expect(!h.client.isActive)
        #expect(h.spill.openFiles == 0)
        #expect(h.budget.counters.sessions == 0)
    }
}
