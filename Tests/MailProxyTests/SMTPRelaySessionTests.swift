import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// SMTP relay sessions as transcripts: the server's replies, pipelining, disconnects on either
/// side, spilled messages, the memory budget and the session's timers.
@Suite struct SMTPRelaySessionTests {
    @Test func serverRefusingDataAfterTheContentGivesTheClientItsReply() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends(SMTPTranscript.stuffed)
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
        #expect(try h.clientReceives() == "250 Ok\r\n" + SMTPTranscript.dataReply)
        try h.clientSends(SMTPTranscript.stuffed)
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
        try h.clientSends(SMTPTranscript.stuffed)
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
