import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

/// STLS transcripts under each policy (`POP3RelayMachine+TLS.swift`, docs/tls.md).

private func greeted(_ tls: TLSPolicy) -> POP3RelayMachine {
    var m = POP3RelayMachine(configuration: POP3RelayConfiguration(tls: tls))
    _ = m.handle(.tick(origin))
    _ = m.handle(.serverReceived(ByteBuffer(string: "+OK POP3 ready\r\n")))
    return m
}

private extension POP3RelayMachine {
    mutating func client(_ text: String) -> [Action] { handle(.clientReceived(ByteBuffer(string: text))) }
    mutating func server(_ text: String) -> [Action] { handle(.serverReceived(ByteBuffer(string: text))) }
}

@Test(arguments: [(TLSPolicy.inspect, "+OK\r\nUSER\r\nSTLS\r\n.\r\n"), (.pass, "+OK\r\nUSER\r\nSTLS\r\n.\r\n"), (.block, "+OK\r\nUSER\r\n.\r\n")])
func stlsIsListedInCAPAUnlessBlocked(policy: TLSPolicy, expected: String) {
    var m = greeted(policy)
    _ = m.client("CAPA\r\n")
    #expect(coalesced(m.server("+OK\r\nUSER\r\nSTLS\r\nPIPELINING\r\n.\r\n")) == [.toClient(expected)])
}

@Test func inspectSecuresTheServerFirstThenTheClient() {
    var m = greeted(.inspect)
    #expect(m.client("STLS\r\nUSER injected\r\n") == [.toServer("STLS\r\n")])
    #expect(m.server("+OK Begin TLS negotiation\r\n") == [.notice(.tls(.plaintextDiscarded(octets: 15))), .secureServer])
    #expect(m.handle(.secured(.server)) == [.toClient("+OK Begin TLS negotiation\r\n"), .secureClient])
    #expect(m.handle(.secured(.client)) == [])
    #expect(m.secured)
    // RFC 2595 §4: CAPA again, without STLS.
    _ = m.client("CAPA\r\n")
    #expect(coalesced(m.server("+OK\r\nSTLS\r\nUSER\r\n.\r\n")) == [.toClient("+OK\r\nUSER\r\n.\r\n")])
    #expect(m.client("STLS\r\n") == [.toClient("-ERR Command not permitted when TLS active\r\n")])
}

@Test func serverFailingItsHandshakeIsATemporaryError() {
    var m = greeted(.inspect)
    _ = m.client("STLS\r\n")
    _ = m.server("+OK\r\n")
    #expect(m.handle(.serverClosed) == [
        .notice(.tls(.serverHandshakeFailed)), .toClient("-ERR [SYS/TEMP] TLS not available due to temporary reason\r\n"), .closeClient,
    ])
}

@Test func passRelaysEverythingAfterTheGoAhead() {
    var m = greeted(.pass)
    _ = m.client("STLS\r\n")
    #expect(m.server("+OK\r\n") == [.notice(.tls(.passed)), .toClient("+OK\r\n")])
    #expect(m.client("\u{16}\u{03}") == [.toServer("\u{16}\u{03}")])
    #expect(m.server("\u{16}\u{03}") == [.toClient("\u{16}\u{03}")])
}

@Test func blockRefusesSTLS() {
    var m = greeted(.block)
    #expect(m.client("STLS\r\n") == [.notice(.tls(.blocked)), .toClient("-ERR STLS not available\r\n")])
}
