import Telemetry
import Testing
@testable import ApplianceConfig

/// Defaults via the typed accessors, the value each command sets, and `no` restoring them.
struct ConfigurationSettingsTests {
    @Test func factoryDefaults() {
        let config = Configuration()
        #expect(config.rendered() == "")
        #expect(config.mailSecurityEnabled == false)
        #expect(config.smtpPorts == [25])
        #expect(config.pop3Ports == [110])
        #expect(config.spamPrefix == "[SPAM]")
        #expect(config.virusPrefix == "[VIRUS]")
        #expect(config.maxSizeMegabytes == 5)
        #expect(config.spamLevel == 3)
        #expect(config.smtpSizeOverflow == .pass)
        #expect(config.smtpDetectSpamMail == .pass)
        #expect(config.smtpDetectVirusMail == .pass)
        #expect(config.smtpFromAddress == .auto)
        #expect(config.smtpToAddress == .auto)
        #expect(config.whiteListPatterns.isEmpty)
        #expect(config.whiteListSets.isEmpty)
        #expect(config.enabledWhiteListSet == nil)
        #expect(config.inactiveTransfer == .reject)
        #expect(config.yscConnectionTimeout == 10)
        #expect(config.yscRequestTimeout == 60)
        #expect(config.yscRetry == 3)
        #expect(config.yscURL == "https://127.0.0.1:8443/")
        #expect(config.syslog == SyslogSettings(hosts: [], facility: .user, info: true, debug: false, notice: false, format: .rfc3164))
        #expect(config.loginTimer == 300)
        #expect(config.pop3ComfortInterval == 15)
        #expect(config.maxClientSessions == 128)
        #expect(config.interception == .appliance)
        #expect(config.monitorInterface == nil)
        #expect(!config.hasAdministratorPassword && !config.hasLoginPassword)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let noLine: String
        let check: @Sendable (Configuration) -> Bool
        var testDescription: String { line }
    }

    static let cases: [Case] = [
        Case(line: "mail security use on", noLine: "no mail security use") { $0.mailSecurityEnabled },
        Case(line: "mail security port smtp 25 587", noLine: "no mail security port smtp 25") { $0.smtpPorts == [25, 587] },
        Case(line: "mail security port pop 995 110", noLine: "no mail security port pop") { $0.pop3Ports == [995, 110] },
        Case(line: "mail security prefix spam \"[SPAM MAIL]\"", noLine: "no mail security prefix spam") { $0.spamPrefix == "[SPAM MAIL]" },
        Case(line: "mail security prefix virus '[Virus] !'", noLine: "no mail security prefix virus [x]") { $0.virusPrefix == "[Virus] !" },
        Case(line: "mail security max size 100", noLine: "no mail security max size") { $0.maxSizeMegabytes == 100 },
        Case(line: "mail security spam level 5", noLine: "no mail security spam level 5") { $0.spamLevel == 5 },
        Case(line: "mail security smtp size overflow reject", noLine: "no mail security smtp size overflow") { $0.smtpSizeOverflow == .reject },
        Case(line: "mail security smtp detect illegal mail transfer", noLine: "no mail security smtp detect illegal mail") {
            $0.smtpDetectSpamMail == .transfer && $0.smtpDetectVirusMail == .transfer
        },
        Case(line: "mail security smtp detect spam mail reject", noLine: "no mail security smtp detect spam mail") {
            $0.smtpDetectSpamMail == .reject && $0.smtpDetectVirusMail == .pass
        },
        Case(line: "mail security smtp detect virus mail transfer", noLine: "no mail security smtp detect virus mail pass") {
            $0.smtpDetectVirusMail == .transfer && $0.smtpDetectSpamMail == .pass
        },
        Case(line: "mail security smtp from address Sec@Example.com", noLine: "no mail security smtp from address") { $0.smtpFromAddress == .address("Sec@Example.com") },
        Case(line: "mail security smtp from address Security", noLine: "no mail security smtp from address") { $0.smtpFromAddress == .account("Security") },
        Case(line: "mail security smtp to address admin@example.com", noLine: "no mail security smtp to address") { $0.smtpToAddress == .address("admin@example.com") },
        Case(line: "mail security smtp to address admin", noLine: "no mail security smtp to address") { $0.smtpToAddress == .account("admin") },
        Case(line: "mail security white-list pattern 7 to=*@Example.NET", noLine: "no mail security white-list pattern 7") {
            $0.whiteListPatterns == [7: WhiteListPattern(from: "*", to: "*@Example.NET")]
        },
        Case(line: "mail security white-list pattern 8", noLine: "no mail security white-list pattern 8 from=x") {
            $0.whiteListPatterns == [8: WhiteListPattern(from: "*", to: "*")]
        },
        Case(line: "mail security white-list set 2 3 1 2", noLine: "no mail security white-list set 2") { $0.whiteListSets == [2: [3, 1, 2]] },
        Case(line: "mail security white-list set enable 4", noLine: "no mail security white-list set enable") { $0.enabledWhiteListSet == 4 },
        Case(line: "mail security inactive transfer pass", noLine: "no mail security inactive transfer") { $0.inactiveTransfer == .pass },
        Case(line: "ysc connection timeout 60", noLine: "no ysc connection timeout") { $0.yscConnectionTimeout == 60 },
        Case(line: "ysc request timeout 600", noLine: "no ysc request timeout 1") { $0.yscRequestTimeout == 600 },
        Case(line: "ysc retry 0", noLine: "no ysc retry") { $0.yscRetry == 0 },
        Case(line: "ysc url https://scan.example.com:9443/v1", noLine: "no ysc url") { $0.yscURL == "https://scan.example.com:9443/v1" },
        Case(line: "syslog host 192.0.2.1 [2001:db8::1]:5514", noLine: "no syslog host") { $0.syslog.hosts == ["192.0.2.1", "[2001:db8::1]:5514"] },
        Case(line: "syslog facility mail", noLine: "no syslog facility") { $0.syslog.facility == .mail },
        Case(line: "syslog info off", noLine: "no syslog info") { $0.syslog.info == false },
        Case(line: "syslog debug on", noLine: "no syslog debug") { $0.syslog.debug == true },
        Case(line: "syslog notice on", noLine: "no syslog notice on") { $0.syslog.notice == true },
        Case(line: "syslog format rfc5424", noLine: "no syslog format") { $0.syslog.format == .rfc5424 },
        Case(line: "login timer 60", noLine: "no login timer") { $0.loginTimer == 60 },
        Case(line: "login timer clear", noLine: "no login timer") { $0.loginTimer == nil },
        Case(line: "mail security comfort interval 45", noLine: "no mail security comfort interval") { $0.pop3ComfortInterval == 45 },
        Case(line: "mail security comfort interval off", noLine: "no mail security comfort interval") { $0.pop3ComfortInterval == nil },
        Case(line: "mail security max client sessions 32", noLine: "no mail security max client sessions") { $0.maxClientSessions == 32 },
        Case(line: "mail security max client sessions off", noLine: "no mail security max client sessions 5") { $0.maxClientSessions == nil },
        Case(line: "mail security interception external", noLine: "no mail security interception") { $0.interception == .external },
        Case(line: "mail security interception off", noLine: "no mail security interception") { $0.interception == .off },
        Case(line: "mail security monitor eth1", noLine: "no mail security monitor") { $0.monitorInterface == "eth1" },
        Case(line: "mail security monitor veth-Mon.1", noLine: "no mail security monitor eth1") { $0.monitorInterface == "veth-Mon.1" },
    ]

    @Test(arguments: cases)
    func commandSetsValueAndNoRestoresDefault(_ testCase: Case) {
        var config = Configuration()
        guard case .success(.configured) = config.execute(testCase.line) else {
            Issue.record("refused: \(testCase.line)")
            return
        }
        #expect(testCase.check(config))
        #expect(config.rendered().split(separator: "\n").count == 1)
        #expect(config.execute(testCase.noLine) == .success(.configured([])))
        #expect(!testCase.check(config))
        #expect(config == Configuration())
        #expect(config.rendered() == "")
    }

    @Test func noOnAnIndexedCommandRemovesOnlyThatEntry() {
        var config = Configuration()
        for n in 1...4 { _ = config.execute("mail security white-list pattern \(n) from=user\(n)@example.com") }
        _ = config.execute("mail security white-list set 1 1 2")
        _ = config.execute("mail security white-list set 2 3")
        #expect(config.execute("no mail security white-list pattern 3") == .success(.configured([])))
        #expect(config.execute("no mail security white-list set 1 9 9 9") == .success(.configured([])))
        #expect(config.whiteListPatterns.keys.sorted() == [1, 2, 4])
        #expect(config.whiteListSets == [2: [3]])
        #expect(config.rendered() == """
            mail security white-list pattern 1 from=user1@example.com
            mail security white-list pattern 2 from=user2@example.com
            mail security white-list pattern 4 from=user4@example.com
            mail security white-list set 2 3

            """)
    }

    @Test func noOfSomethingNeverEnteredSucceeds() {
        var config = Configuration()
        #expect(config.execute("no mail security use") == .success(.configured([])))
        #expect(config.execute("NO Mail Sec Max S") == .success(.configured([])))
        #expect(config.execute("n ysc retry") == .success(.configured([])))
        #expect(config == Configuration())
    }

    @Test func noDoesNotCheckExtraWords() {
        var config = Configuration()
        _ = config.execute("mail security max size 10")
        #expect(config.execute("no mail security max size 100000 garbage") == .success(.configured([])))
        #expect(config.maxSizeMegabytes == 5)
    }

    @Test func enablingAnUndefinedOrEmptySetIsAccepted() {
        var config = Configuration()
        #expect(config.execute("mail security white-list set enable 9") == .success(.configured([.whiteListSetEnabled(9)])))
        #expect(config.enabledWhiteListSet == 9)
        #expect(config.whiteListSets[9] == nil)
    }
}
