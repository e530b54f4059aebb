import Testing
@testable import ApplianceConfig

/// `httpd host` and `httpd listen`: the web console's commands, in the command table like
/// every other (so the web settings page and the console share them).
struct HTTPDCommandTests {
    @Test(arguments: [
        ("httpd host lan1", "httpd host lan1"),
        ("httpd host ANY", "httpd host any"),
        ("httpd host none", "httpd host none"),
        ("httpd host 192.0.2.10", "httpd host 192.0.2.10"),
        ("httpd host 192.0.2.1-192.0.2.63 2001:db8::10", "httpd host 192.0.2.1-192.0.2.63 2001:db8::10"),
        ("httpd listen 8443", "httpd listen 8443"),
    ])
    func acceptedAndRenderedCanonically(line: String, rendered: String) {
        var config = Configuration()
        #expect(config.execute(line) == .success(.configured([])))
        #expect(config.rendered() == rendered + "\n")
        #expect(Configuration.load(config.rendered()).0 == config)
    }

    @Test(arguments: [
        ("httpd host 192.0.2.300", CommandError.illegalAddress),
        ("httpd host 192.0.2.9-192.0.2.1", .illegalAddress),
        ("httpd host 192.0.2.1-2001:db8::1", .illegalAddress),
        ("httpd host example.com", .illegalAddress),
        ("httpd host any 192.0.2.1", .illegalKeyword),
        ("httpd host 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5", .wrongParameterCount),
        ("httpd listen 0", .parameterOutOfRange),
        ("httpd listen 65536", .parameterOutOfRange),
    ])
    func badInputGetsTheConsoleError(line: String, error: CommandError) {
        var config = Configuration()
        #expect(config.execute(line) == .failure(error))
    }

    @Test func defaultsAndTypedValues() {
        var config = Configuration()
        #expect(config.httpdHosts == nil)
        #expect(config.httpdListenPort == 443)
        _ = config.execute("httpd host 192.0.2.1-192.0.2.63 lan1")
        #expect(config.httpdHosts == [.range(lower: [192, 0, 2, 1], upper: [192, 0, 2, 63]), .lan1])
        _ = config.execute("no httpd host")
        #expect(config.httpdHosts == nil)
    }

    @Test func rangesContainTheirEnds() {
        let range = HTTPDHost(word: "192.0.2.10-192.0.2.20")!
        #expect(range.contains([192, 0, 2, 10]) && range.contains([192, 0, 2, 20]) && range.contains([192, 0, 2, 15]))
        #expect(!range.contains([192, 0, 2, 9]) && !range.contains([192, 0, 2, 21]))
        #expect(!range.contains(HTTPDHost.addressBytes("2001:db8::1")!))
        #expect(HTTPDHost(word: "2001:db8::1")!.contains(HTTPDHost.addressBytes("2001:db8:0::1")!))
    }

    @Test func settingsForFormsComeFromTheTable() {
        let settings = Configuration.settings
        let overflow = settings.first { $0.command == "mail security smtp size overflow" }
        #expect(overflow?.choices == ["pass", "reject"])
        #expect(settings.first { $0.command == "administrator password" }?.isPassword == true)
        #expect(settings.first { $0.command == "mail security white-list pattern" }?.indexed == true)
        #expect(settings.contains { $0.command == "httpd host" } && settings.contains { $0.command == "httpd listen" })
        var config = Configuration()
        _ = config.execute("mail security white-list set 1 1 2")
        _ = config.execute("mail security white-list set enable 1")
        #expect(config.renderedLines(of: "mail security white-list set") == ["mail security white-list set 1 1 2"])
        #expect(config.renderedLines(of: "mail security white-list set enable") == ["mail security white-list set enable 1"])
    }
}
