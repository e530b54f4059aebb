import Testing
@testable import ApplianceConfig
import TestSupport

/// `Configuration.load(c.rendered()).0 == c`, for hand-picked and generated configurations.
struct ConfigurationRoundTripTests {
    @Test func acceptanceScenario() {
        var config = Configuration()
        #expect(config.execute("mail security use on") == .success(.configured([.statisticsCleared])))
        #expect(config.execute("mail security white-list pattern 1 from=*@example.com") == .success(.configured([])))
        #expect(config.execute("mail security prefix spam \"[SPAM MAIL]\"") == .success(.configured([])))
        // Command-table order (docs/product.md §7 row order): prefix before white-list.
        #expect(config.rendered() == """
            mail security use on
            mail security prefix spam "[SPAM MAIL]"
            mail security white-list pattern 1 from=*@example.com

            """)
        #expect(Configuration.load(config.rendered()) == (config, []))
    }

    static let prefixes = [
        "[SPAM]", "[SPAM MAIL]", "[SPAM] !", "a\"b", "it's", "back\\slash", "\\", "\"", "'", "' \"",
        "  spaces  ", "#hash", "x=y", "[迷惑メール]", "tab?", "\u{301}mark", "end\\",
        String(repeating: "\\\"", count: 32),
    ]

    @Test(arguments: prefixes)
    func prefixesRoundTrip(prefix: String) {
        var config = Configuration()
        let line = "mail security prefix spam " + CommandTokenizer.quote(prefix)
        #expect(config.execute(line) == .success(.configured([])))
        #expect(config.spamPrefix == prefix)
        let (reloaded, problems) = Configuration.load(config.rendered())
        #expect(problems.isEmpty)
        #expect(reloaded == config)
        #expect(reloaded.spamPrefix == prefix)
    }

    @Test func fullConfigurationRoundTrips() {
        let lines = [
            "mail security use on", "mail security port smtp 25 587 2525 10025", "mail security port pop 110",
            "mail security prefix spam '[SPAM] \"x\"'", "mail security prefix virus \\[V\\ \\\\\\]",
            "mail security max size 100", "mail security spam level 1", "mail security smtp size overflow reject",
            "mail security smtp detect illegal mail transfer", "mail security smtp from address sec",
            "mail security smtp to address Admin@Example.com",
            "mail security white-list pattern 100 to=*@b", "mail security white-list pattern 2",
            "mail security white-list pattern 10 from=*@a to=*@b", "mail security white-list set 10 2 10 100",
            "mail security white-list set 1 2", "mail security white-list set enable 10",
            "mail security inactive transfer pass", "ysc connection timeout 1", "ysc request timeout 600",
            "ysc retry 0", "ysc url https://[::1]:8443/x", "syslog host 127.0.0.1:5514 ::1 [::1]:514 h.example",
            "syslog facility local3", "syslog info off", "syslog debug on", "syslog notice on", "syslog format rfc5424",
            "administrator password 'adm in'", "login password \"lo\\\"gin\"", "login timer clear",
        ]
        var config = Configuration()
        for line in lines {
            guard case .success(.configured) = config.execute(line) else {
                Issue.record("refused: \(line)")
                return
            }
        }
        let rendered = config.rendered()
        #expect(rendered.split(separator: "\n").count == lines.count)
        let (reloaded, problems) = Configuration.load(rendered)
        #expect(problems.isEmpty)
        #expect(reloaded == config)
        #expect(reloaded.rendered() == rendered)
        #expect(reloaded.verifyAdministratorPassword("adm in"))
        #expect(reloaded.verifyLoginPassword("lo\"gin"))
        #expect(reloaded.whiteListSets == [1: [2], 10: [2, 10, 100]])
        // Numbered entries are printed by number, whatever the order they were entered in.
        let patternLines = rendered.split(separator: "\n").filter { $0.contains("pattern") }
        #expect(patternLines == [
            "mail security white-list pattern 2",
            "mail security white-list pattern 10 from=*@a to=*@b",
            "mail security white-list pattern 100 to=*@b",
        ])
    }

    static let pool: [String] = [
        "mail security use on", "mail security use off", "no mail security use",
        "mail security port smtp 25 587", "mail security port pop 110 1995 2995 3995", "no mail security port smtp",
        "mail security prefix spam \"[a b]\"", "mail security prefix virus 'x\\y'", "mail security prefix spam \\\"q\\\"",
        "mail security max size 42", "mail security spam level 2", "no mail security spam level",
        "mail security smtp size overflow r", "mail security smtp detect illegal mail t",
        "mail security smtp from address auto", "mail security smtp to address x@y.z",
        "mail security white-list pattern 3 from=a*@b", "mail security white-list pattern 99 to=*",
        "no mail security white-list pattern 3", "mail security white-list set 4 3 99",
        "no mail security white-list set 4", "mail security white-list set enable 4",
        "mail security inactive transfer pass", "ysc connection timeout 7", "ysc request timeout 77",
        "ysc retry 7", "ysc url https://a.example/", "no ysc url", "syslog host 10.0.0.1", "syslog facility daemon",
        "syslog info off", "syslog debug on", "syslog notice on", "syslog format rfc5424", "no syslog format",
        "login timer 3600", "login timer clear", "no login timer", "administrator password x",
        "login password \"a b\"", "no login password", "mail security max size 0", "bogus",
    ]

    @Test(arguments: 0..<40)
    func generatedConfigurationsRoundTrip(seed: Int) {
        var generator = SeededGenerator(state: UInt64(seed))
        var config = Configuration()
        for _ in 0..<Int.random(in: 0...30, using: &generator) {
            _ = config.execute(Self.pool.randomElement(using: &generator)!)
        }
        let (reloaded, problems) = Configuration.load(config.rendered())
        #expect(problems.isEmpty)
        #expect(reloaded == config)
    }
}
