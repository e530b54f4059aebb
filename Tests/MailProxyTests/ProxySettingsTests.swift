import ApplianceConfig
import MailProxy
import MessageInspection
import NIOCore
import POP3Relay
import Testing

/// The POP3 relay takes the comfort interval and the unavailable policy from the live settings.
@Suite struct ProxySettingsTests {
    @Test(arguments: [(TimeAmount?.some(.seconds(10)), TimeAmount?.some(.seconds(10))),
                      (nil, nil),
                      (.seconds(600), POP3Limits.comfortIntervalRange.upperBound)])
    func comfortIntervalReachesThePOP3Relay(configured: TimeAmount?, expected: TimeAmount?) {
        let settings = ProxySettings(inspection: InspectionSettings(enabled: true), pop3ComfortInterval: configured)
        #expect(settings.pop3RelayConfiguration.comfortInterval == expected)
    }

    @Test func theDefaultIsTheRelaysDefault() {
        #expect(ProxySettings().pop3RelayConfiguration.comfortInterval == POP3Limits.defaultComfortInterval)
    }
}

/// The settings the daemon builds from the configuration: each console setting lands once.
@Suite struct ProxySettingsFromConfigurationTests {
    func settings(_ lines: String) -> ProxySettings {
        let (configuration, problems) = Configuration.load(lines)
        #expect(problems.isEmpty, "\(problems)")
        return ProxySettings(configuration)
    }

    @Test func everySettingReachesItsField() {
        let settings = settings("""
            mail security use on
            mail security max size 2
            mail security spam level 5
            mail security prefix spam "[JUNK]"
            mail security smtp detect spam mail transfer
            mail security smtp detect virus mail reject
            mail security smtp size overflow reject
            mail security inactive transfer pass
            mail security smtp to address admin@example.com
            mail security white-list pattern 2 from=*@example.net
            mail security white-list set 1 2
            mail security white-list set enable 1
            mail security comfort interval 20
            mail security max client sessions 32

            """)
        let policy = settings.inspection.policy
        #expect(settings.inspection.enabled)
        #expect(settings.inspection.maximumMessageSize == 2 * 1024 * 1024)
        #expect(policy.spamLevel == 5 && policy.spamPrefix == "[JUNK]" && policy.virusPrefix == "[VIRUS]")
        #expect(policy.spamAction == .transfer && policy.virusAction == .reject)
        #expect(policy.sizeOverflow == .reject && policy.inactiveAction == .pass)
        #expect(settings.inspection.notificationFrom == .auto)
        #expect(settings.inspection.notificationTo == .address("admin@example.com"))
        #expect(settings.inspection.whiteList.match(MessageAddresses(from: ["a@example.net"], recipients: [])) == 2)
        #expect(settings.pop3ComfortInterval == .seconds(20))
        #expect(settings.sessionsPerClient == 32)
    }

    @Test func theDefaultsAreOffAndFiveMegabytes() {
        let settings = settings("")
        #expect(!settings.inspection.enabled)
        #expect(settings.inspection.maximumMessageSize == 5 * 1024 * 1024)
        #expect(settings.inspection.whiteList.match(MessageAddresses(from: ["a@example.net"], recipients: [])) == nil)
        #expect(settings.relayConfiguration.maximumMessageSize == MessageBufferLimits.hardStoreCap)
    }
}
