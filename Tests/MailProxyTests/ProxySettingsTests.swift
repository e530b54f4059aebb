import MailProxy
import NIOCore
import POP3Relay
import Testing

/// The POP3 relay takes the comfort interval and the unavailable policy from the live settings.
@Suite struct ProxySettingsTests {
    @Test(arguments: [(TimeAmount?.some(.seconds(10)), TimeAmount?.some(.seconds(10))),
                      (nil, nil),
                      (.seconds(600), POP3Limits.comfortIntervalRange.upperBound)])
    func comfortIntervalReachesThePOP3Relay(configured: TimeAmount?, expected: TimeAmount?) {
        let settings = ProxySettings(enabled: true, pop3ComfortInterval: configured)
        #expect(settings.pop3RelayConfiguration.comfortInterval == expected)
    }

    @Test func theDefaultIsTheRelaysDefault() {
        #expect(ProxySettings().pop3RelayConfiguration.comfortInterval == POP3Limits.defaultComfortInterval)
    }
}
