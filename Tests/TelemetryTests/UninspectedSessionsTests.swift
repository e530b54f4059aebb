import Testing
@testable import Telemetry

/// Mail that crossed the box without interception is counted beside the Interception row.
@Suite struct UninspectedSessionsTests {
    @Test func theCountIsShownWithTheInterceptionRowAndClearedWithTheStatistics() {
        let stats = MailStatistics()
        stats.recordUninspectedSessions(2)
        stats.recordUninspectedSessions(1)
        let status = stats.renderMailSecurityStatus(use: true, licenseState: "active", yscState: "available",
                                                    interception: "appliance router eth0-eth1: rules loaded")
        #expect(status.contains("\nInterception                  appliance router eth0-eth1: rules loaded\nSessions not inspected        3\n"))
        // Without interception (an explicit proxy) there is nothing to bypass: no row.
        #expect(!stats.renderMailSecurityStatus(use: true, licenseState: "active", yscState: "available").contains("not inspected"))
        stats.reset()
        #expect(stats.uninspectedSessions == 0)
    }

    @Test func theLineSaysHowManyAndWhy() {
        #expect(MailSecLogMessage.uninspectedSessions(count: 1, family: "IPv6").text
                == "[MAIL_SEC] Not inspected: 1 mail session over IPv6 crossed the box (IPv6 interception off)")
        #expect(MailSecLogMessage.uninspectedSessions(count: 1, family: "IPv6").severity == .info)
    }
}
