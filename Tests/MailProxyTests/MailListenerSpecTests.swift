import MailProxy
import NIOCore
import Telemetry
import Testing

/// The listeners the daemon's options ask for, and the addresses they name.
@Suite struct MailListenerSpecTests {
    @Test func explicitNeedsBothHalvesAndTransparentStandsAlone() {
        let (specs, warnings) = MailListenerSpec.specs([
            (.smtp, .init(listen: "127.0.0.1:2525", upstream: "192.0.2.25:25", transparent: "0.0.0.0:10025")),
            (.pop3, .init(listen: "127.0.0.1:1110", upstream: nil, transparent: nil)),
        ])
        #expect(specs == [MailListenerSpec(mailProtocol: .smtp, listen: "127.0.0.1:2525", upstream: "192.0.2.25:25"),
                          MailListenerSpec(mailProtocol: .smtp, listen: "0.0.0.0:10025", upstream: nil)])
        #expect(specs.map(\.description) == ["SMTP proxy on 127.0.0.1:2525, server 192.0.2.25:25",
                                             "SMTP transparent proxy on 0.0.0.0:10025"])
        #expect(warnings == ["--pop3-listen and --pop3-upstream go together; POP3 proxy not started"])
    }

    @Test func aTransparentPairSharesOnePort() throws {
        let addresses = try ListenAddress.socketAddresses("0.0.0.0:10025,[::1]:10025")
        #expect(addresses.map(\.port) == [10025, 10025])
        #expect(addresses.last?.protocol == .inet6)
        #expect(try ListenAddress.port(of: "0.0.0.0:10110,[::]:10110") == 10110)
        #expect(throws: ListenAddressError.self) { try ListenAddress.socketAddresses("0.0.0.0:10025,[::]:10026") }
        #expect(throws: ListenAddressError.self) { try ListenAddress.socketAddress("203.0.113.1") }
        #expect(throws: ListenAddressError.self) { try ListenAddress.port(of: "0.0.0.0:0") }
    }
}
