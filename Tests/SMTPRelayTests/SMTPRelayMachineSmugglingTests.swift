import Foundation
import NIOCore
import Testing
@testable import LineProtocol
@testable import SMTPRelay

/// End-of-data smuggling attempts and the bare-LF policy, through the whole relay.

@Test(arguments: ["\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r", "\r.\r\n"])
func smuggledSecondMessageStaysContentAndNothingReachesTheServer(terminator: String) {
    var h = RelayHarness.inTransaction()
    _ = h.client("DATA\r\n")
    let smuggled = "Subject: a\r\n\r\nhi" + terminator + "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\n"
    let actions = h.client(smuggled)
    #expect(!actions.contains { if case .sendToServer = $0 { return true } else { return false } })
    #expect(!actions.contains { if case .scanMessage = $0 { return true } else { return false } })
    // The real end: everything before it is one message for the scan.
    let end = h.client("\r\n.\r\n")
    guard case .scanMessage(_, let size) = end.last else {
        Issue.record("no scan: \(end)")
        return
    }
    // The smuggled part is content, byte for byte; the CRLF before the real dot ends its last line.
    #expect(size == smuggled.utf8.count + 2)
}

@Test func netcatClientEndingDataWithBareLFDoesNotEndTheData() throws {
    // The corpus client script ends its content with ".\n" and then "QUIT\n": under the default
    // bare-LF policy the data is not over, so QUIT is content too (never a command).
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    let script = try fixture("dms__nc-smtp-only.txt")
    #expect(h.client(bytes: script) == [.toServer("HELO mail.example.test\r\n")])
    #expect(h.server("250 mx\r\n") == [.toClient("250 mx\r\n"), .toServer("MAIL FROM: test@localhost\r\n")])
    #expect(h.server("250 2.1.0 Ok\r\n") == [.toClient("250 2.1.0 Ok\r\n"), .toServer("RCPT TO: user2@external.tld\r\n")])
    #expect(h.server("250 2.1.5 Ok\r\n") == [
        .toClient("250 2.1.5 Ok\r\n"), .toClient("354 End data with <CR><LF>.<CR><LF>\r\n"), .startCollecting,
        .store("This is a test mail.\n\n"), .store("."), .store("\nQUIT\n"),
    ])
    #expect(h.machine.timeout?.side == .client)
}

@Test func bareLFRejectPolicyRefusesTheMessage() {
    var h = RelayHarness.inTransaction(SMTPRelayConfiguration(bareLineFeeds: .reject))
    _ = h.client("DATA\r\n")
    #expect(h.client("a\nb\r\n.\r\n") == [
        .store("a\nb\r\n"), .toClient("554 5.6.0 Message has bare LF line endings\r\n"), .toServer("RSET\r\n"), .releaseMessage,
    ])
}
