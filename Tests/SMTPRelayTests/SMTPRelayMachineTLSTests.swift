import NIOCore
import Testing
@testable import SMTPRelay
import MailRelay

/// STARTTLS transcripts under each policy (`SMTPRelayMachine+TLS.swift`, docs/tls.md).

private func greeted(_ tls: TLSPolicy) -> RelayHarness {
    var h = RelayHarness(SMTPRelayConfiguration(tls: tls))
    _ = h.server("220 mx.example.net ESMTP\r\n")
    _ = h.client("EHLO pc.example.com\r\n")
    return h
}

@Test(arguments: [
    (TLSPolicy.inspect, "250-mx.example.net\r\n250 STARTTLS\r\n"),
    (.pass, "250-mx.example.net\r\n250 STARTTLS\r\n"),
    (.block, "250 mx.example.net\r\n"),
])
func startTLSIsOfferedUnlessBlocked(policy: TLSPolicy, expected: String) {
    var h = greeted(policy)
    #expect(h.server("250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n") == [.toClient(expected)])
}

@Test func inspectSecuresTheServerFirstThenTheClientAndStartsOverInsideTLS() {
    var h = greeted(.inspect)
    _ = h.server("250-mx.example.net\r\n250 STARTTLS\r\n")
    #expect(h.client("STARTTLS\r\n") == [.toServer("STARTTLS\r\n")])
    #expect(h.server("220 2.0.0 Ready to start TLS\r\n") == [.secureServer])
    #expect(h.machine.timeout?.side == .server)
    #expect(h.event(.secured(.server)) == [.toClient("220 2.0.0 Ready to start TLS\r\n"), .secureClient])
    #expect(h.machine.timeout?.side == .client)
    #expect(h.event(.secured(.client)) == [])
    #expect(h.machine.secured)
    // RFC 3207 §4.2: EHLO again; STARTTLS is not offered inside TLS.
    #expect(h.client("EHLO pc.example.com\r\n") == [.toServer("EHLO pc.example.com\r\n")])
    #expect(h.server("250-mx.example.net\r\n250-STARTTLS\r\n250 8BITMIME\r\n") == [.toClient("250-mx.example.net\r\n250 8BITMIME\r\n")])
    #expect(h.client("STARTTLS\r\n") == [.toClient("503 5.5.1 TLS already active\r\n")])
    // The transaction goes on inside TLS, scanned as ever.
    #expect(h.client("MAIL FROM:<a@example.com>\r\n") == [.toServer("MAIL FROM:<a@example.com>\r\n")])
}

/// CVE-2011-0411: a command pipelined after STARTTLS in the same segment (or sent before the
/// handshake) was written in plaintext: it is never relayed, inside TLS or out.
@Test func plaintextAfterStartTLSIsDiscardedNotRelayed() {
    var h = greeted(.inspect)
    _ = h.server("250-mx.example.net\r\n250 STARTTLS\r\n")
    #expect(h.client("STARTTLS\r\nRSET\r\n") == [.toServer("STARTTLS\r\n")])
    #expect(h.server("220 Ready\r\n") == [.notice(.tls(.plaintextDiscarded(octets: 6))), .secureServer])
    #expect(h.client("MAIL FROM:<evil@example.com>\r\n") == [.notice(.tls(.plaintextDiscarded(octets: 30)))])
    #expect(h.event(.secured(.server)) == [.toClient("220 Ready\r\n"), .secureClient])
    #expect(h.event(.secured(.client)) == [])
    #expect(h.client("EHLO pc\r\n") == [.toServer("EHLO pc\r\n")])
}

@Test func serverBytesAfterItsGoAheadAreAProtocolError() {
    var h = greeted(.inspect)
    _ = h.server("250 mx\r\n")
    _ = h.client("STARTTLS\r\n")
    #expect(h.server("220 Ready\r\n250 injected\r\n") == [
        .notice(.serverProtocolError(.unexpectedReply)), .toClient("421 4.4.2 Mail server protocol error\r\n"),
        .closeClient, .closeServer,
    ])
}

@Test func serverHandshakeFailureTellsTheClientToTryLater() {
    var h = greeted(.inspect)
    _ = h.server("250 mx\r\n")
    _ = h.client("STARTTLS\r\n")
    _ = h.server("220 Ready\r\n")
    #expect(h.event(.serverClosed) == [
        .notice(.tls(.serverHandshakeFailed)), .toClient("454 4.7.0 TLS not available due to temporary reason\r\n"), .closeClient,
    ])
}

@Test func clientHandshakeFailureClosesWithoutAPlaintextReply() {
    var h = greeted(.inspect)
    _ = h.server("250 mx\r\n")
    _ = h.client("STARTTLS\r\n")
    _ = h.server("220 Ready\r\n")
    _ = h.event(.secured(.server))
    #expect(h.event(.clientClosed) == [.closeServer])
    var t = greeted(.inspect)
    _ = t.server("250 mx\r\n")
    _ = t.client("STARTTLS\r\n")
    _ = t.server("220 Ready\r\n")
    _ = t.event(.secured(.server))
    #expect(t.event(.timeout(.client)) == [.notice(.clientTimedOut), .closeClient, .closeServer])
}

@Test func serverRefusingStartTLSIsRelayedAndTheSessionGoesOnInPlaintext() {
    var h = greeted(.inspect)
    _ = h.server("250 mx\r\n")
    _ = h.client("STARTTLS\r\n")
    #expect(h.server("454 4.7.0 TLS not available\r\n") == [
        .notice(.tls(.serverRefused)), .toClient("454 4.7.0 TLS not available\r\n"),
    ])
    #expect(h.client("MAIL FROM:<a@example.com>\r\n") == [.toServer("MAIL FROM:<a@example.com>\r\n")])
}

@Test func passRelaysEverythingAfterTheGoAheadUnchanged() {
    var h = greeted(.pass)
    _ = h.server("250-mx\r\n250 STARTTLS\r\n")
    #expect(h.client("STARTTLS\r\n") == [.toServer("STARTTLS\r\n")])
    #expect(h.server("220 Ready\r\n") == [.notice(.tls(.passed)), .toClient("220 Ready\r\n")])
    #expect(h.machine.timeout == nil)
    #expect(h.client(bytes: [0x16, 0x03, 0x01]) == [.sendToServer(ByteBuffer(bytes: [0x16, 0x03, 0x01]))])
    #expect(h.server("\u{16}\u{03}\u{03}") == [.toClient("\u{16}\u{03}\u{03}")])
    #expect(h.event(.serverClosed) == [.closeClient])
}

@Test func blockRefusesStartTLSAndCountsIt() {
    var h = greeted(.block)
    _ = h.server("250 mx\r\n")
    #expect(h.client("STARTTLS\r\n") == [.notice(.tls(.blocked)), .toClient("502 5.5.1 Command not implemented\r\n")])
}

@Test func anExemptServersUpgradePassesUntouchedWhateverThePolicy() {
    for policy in [TLSPolicy.inspect, .block] {
        var h = RelayHarness(SMTPRelayConfiguration(tls: policy))
        h.machine.exemptFromTLSInspection()
        _ = h.server("220 mx\r\n")
        _ = h.client("EHLO pc\r\n")
        #expect(h.server("250-mx\r\n250 STARTTLS\r\n") == [.toClient("250-mx\r\n250 STARTTLS\r\n")])
        _ = h.client("STARTTLS\r\n")
        #expect(h.server("220 Ready\r\n") == [.notice(.tls(.exempt)), .toClient("220 Ready\r\n")])
    }
}
