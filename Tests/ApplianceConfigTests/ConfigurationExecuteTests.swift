import Telemetry
import Testing
@testable import ApplianceConfig

/// Every setting command: a valid line is accepted and `show config` writes it back canonically.
struct ConfigurationExecuteTests {
    static let cases: [(String, String)] = [
        // mail security use
        ("mail security use on", "mail security use on"),
        ("mail security use off", "mail security use off"),
        ("MAIL SECURITY USE ON", "mail security use on"),
        ("mail sec use on", "mail security use on"),
        ("m s u of", "mail security use off"),
        ("Mail Security Use On", "mail security use on"),
        // ports
        ("mail security port smtp 25", "mail security port smtp 25"),
        ("mail security port smtp 1 587 2525 65535", "mail security port smtp 1 587 2525 65535"),
        ("mail security port smtp 0025", "mail security port smtp 25"),
        ("mail security port pop 110 995", "mail security port pop 110 995"),
        ("mail sec po p 1", "mail security port pop 1"),
        ("mail sec po sm 2", "mail security port smtp 2"),
        // prefixes
        ("mail security prefix spam [SPAM]", "mail security prefix spam [SPAM]"),
        ("mail security prefix spam \"[SPAM MAIL]\"", "mail security prefix spam \"[SPAM MAIL]\""),
        ("mail security prefix spam '[SPAM] !'", "mail security prefix spam \"[SPAM] !\""),
        ("mail security prefix virus \\[VIRUS\\]\\ \\\"x\\\"", "mail security prefix virus \"[VIRUS] \\\"x\\\"\""),
        ("mail security prefix virus 'a\\b'", "mail security prefix virus \"a\\\\b\""),
        ("mail security prefix spam " + String(repeating: "x", count: 64), "mail security prefix spam " + String(repeating: "x", count: 64)),
        ("mail security prefix spam [迷惑]", "mail security prefix spam [迷惑]"),
        ("mail sec pre v Vir", "mail security prefix virus Vir"),
        // size, level
        ("mail security max size 1", "mail security max size 1"),
        ("mail security max size 100", "mail security max size 100"),
        ("mail security spam level 1", "mail security spam level 1"),
        ("mail security spam level 5", "mail security spam level 5"),
        ("mail security sp l 4", "mail security spam level 4"),
        // smtp policies
        ("mail security smtp size overflow pass", "mail security smtp size overflow pass"),
        ("mail security smtp size overflow REJECT", "mail security smtp size overflow reject"),
        ("mail security smtp detect illegal mail pass", "mail security smtp detect illegal mail pass"),
        ("mail security smtp detect illegal mail transfer", "mail security smtp detect illegal mail transfer"),
        ("mail security smtp detect illegal mail r", "mail security smtp detect illegal mail reject"),
        ("mail security smtp from address Admin@Example.COM", "mail security smtp from address Admin@Example.COM"),
        ("mail security smtp from address security", "mail security smtp from address security"),
        ("mail security smtp from address AUTO", "mail security smtp from address auto"),
        ("mail security smtp to address first.last+tag@mail.example.net", "mail security smtp to address first.last+tag@mail.example.net"),
        ("mail security smtp to address auto", "mail security smtp to address auto"),
        // white-list
        ("mail security white-list pattern 1", "mail security white-list pattern 1"),
        ("mail security white-list pattern 1 from=*@example.com", "mail security white-list pattern 1 from=*@example.com"),
        ("mail security white-list pattern 100 to=*@Example.NET", "mail security white-list pattern 100 to=*@Example.NET"),
        ("mail security white-list pattern 2 to=b@x from=a@y", "mail security white-list pattern 2 from=a@y to=b@x"),
        ("mail security white-list pattern 3 FROM=A@B", "mail security white-list pattern 3 from=A@B"),
        ("mail security white-list set 1 1 2 3", "mail security white-list set 1 1 2 3"),
        ("mail security white-list set 10 100", "mail security white-list set 10 100"),
        ("mail security white-list set enable 1", "mail security white-list set enable 1"),
        ("mail security white-list set enable 10", "mail security white-list set enable 10"),
        ("mail security w s e 2", "mail security white-list set enable 2"),
        ("mail security inactive transfer reject", "mail security inactive transfer reject"),
        ("mail security inactive transfer pass", "mail security inactive transfer pass"),
        // ysc
        ("ysc connection timeout 1", "ysc connection timeout 1"),
        ("ysc connection timeout 60", "ysc connection timeout 60"),
        ("ysc request timeout 1", "ysc request timeout 1"),
        ("ysc request timeout 600", "ysc request timeout 600"),
        ("ysc retry 0", "ysc retry 0"),
        ("ysc retry 10", "ysc retry 10"),
        ("ysc ret 2", "ysc retry 2"),
        ("ysc req t 9", "ysc request timeout 9"),
        ("ysc url https://ysc.example.com/", "ysc url https://ysc.example.com/"),
        ("ysc url https://127.0.0.1:8443/", "ysc url https://127.0.0.1:8443/"),
        ("ysc url https://[2001:db8::1]:8443/scan/v1", "ysc url https://[2001:db8::1]:8443/scan/v1"),
        ("ysc url HTTPS://Scan.Example.com", "ysc url HTTPS://Scan.Example.com"),
        // syslog
        ("syslog host 192.0.2.1", "syslog host 192.0.2.1"),
        ("syslog host 192.0.2.1:5514 2001:db8::1 [::1]:514 logs.example.com", "syslog host 192.0.2.1:5514 2001:db8::1 [::1]:514 logs.example.com"),
        ("syslog host localhost:65535", "syslog host localhost:65535"),
        ("syslog host ::ffff:192.0.2.1", "syslog host ::ffff:192.0.2.1"),
        ("syslog facility user", "syslog facility user"),
        ("syslog facility LOCAL7", "syslog facility local7"),
        ("syslog facility kern", "syslog facility kern"),
        ("syslog info off", "syslog info off"),
        ("syslog debug on", "syslog debug on"),
        ("syslog notice on", "syslog notice on"),
        ("syslog format rfc5424", "syslog format rfc5424"),
        ("syslog format rfc3164", "syslog format rfc3164"),
        // console
        ("login timer 60", "login timer 60"),
        ("login timer 21474836", "login timer 21474836"),
        ("login timer clear", "login timer clear"),
        ("login timer CLEAR", "login timer clear"),
    ]

    @Test(arguments: cases)
    func validLineIsStoredCanonically(line: String, rendered: String) {
        var config = Configuration()
        let result = config.execute(line)
        guard case .success(.configured) = result else {
            Issue.record("\(line) gave \(result)")
            return
        }
        #expect(config.rendered() == rendered + "\n")
        var reloaded = Configuration()
        guard case .success(.configured) = reloaded.execute(rendered) else {
            Issue.record("canonical \(rendered) was refused")
            return
        }
        #expect(reloaded == config)
    }

    @Test func blankLineDoesNothing() {
        var config = Configuration()
        #expect(config.execute("") == .success(.configured([])))
        #expect(config.execute(" \t ") == .success(.configured([])))
        #expect(config == Configuration())
    }

    @Test func reenteringReplacesTheLine() {
        var config = Configuration()
        _ = config.execute("mail security port smtp 25 587")
        _ = config.execute("mail security port smtp 2525")
        #expect(config.rendered() == "mail security port smtp 2525\n")
        #expect(config.smtpPorts == [2525])
    }

    @Test func enteringTheDefaultIsStillShown() {
        var config = Configuration()
        _ = config.execute("mail security use off")
        _ = config.execute("ysc retry 3")
        #expect(config.rendered() == "mail security use off\nysc retry 3\n")
        #expect(config != Configuration())
    }
}
