import Testing
@testable import Telemetry

@Suite struct SyslogDestinationTests {
    static let loopback4 = SyslogAddress(bytes: [127, 0, 0, 1])!
    static let loopback6 = SyslogAddress(bytes: Array(repeating: 0, count: 15) + [1])!
    static let doc4 = SyslogAddress(bytes: [192, 0, 2, 10])!

    @Test(arguments: [
        ("192.0.2.10", SyslogDestination.Host.address(doc4), 514),
        ("192.0.2.10:5514", .address(doc4), 5514),
        ("  192.0.2.10 ", .address(doc4), 514),
        ("::1", .address(loopback6), 514),
        ("[::1]", .address(loopback6), 514),
        ("[::1]:1514", .address(loopback6), 1514),
        ("127.0.0.1:65535", .address(loopback4), 65535),
        ("logs.example.net", .name("logs.example.net"), 514),
        ("logs.example.net:601", .name("logs.example.net"), 601),
    ] as [(String, SyslogDestination.Host, Int)])
    func parses(_ entry: String, _ host: SyslogDestination.Host, _ port: Int) throws {
        let destination = try #require(SyslogDestination(entry))
        #expect(destination.host == host)
        #expect(Int(destination.port) == port)
    }

    @Test(arguments: ["", ":514", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:x", "[::1", "[::1]x",
                      "[192.0.2.1]:514", "[logs.example.net]", "bad host", "host/x", "a:b:c:d:e:zz"])
    func rejects(_ entry: String) {
        #expect(SyslogDestination(entry) == nil)
    }

    @Test func numericParsingNeverTakesNames() {
        #expect(SyslogAddress(numeric: "localhost") == nil)
        #expect(SyslogAddress(numeric: "1.2.3") == nil)
        #expect(SyslogAddress(numeric: "198.51.100.7")?.bytes == [198, 51, 100, 7])
    }

    /// Whatever an administrator (or a corrupted config file) puts in `syslog host`, parsing
    /// returns a value or nil — and a value's port is never 0.
    @Test func arbitraryEntriesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdef:.[]%/ -xyz\u{0}é")
        for _ in 0..<2000 {
            let entry = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            if let destination = SyslogDestination(entry) { #expect(destination.port > 0) }
        }
    }
}
