import SyslogIO
import Telemetry
import Testing

@Suite struct SyslogResolverTests {
    @Test func systemResolverFindsLocalhost() throws {
        let address = try #require(SyslogResolver.system("localhost"))
        let loopback4 = SyslogAddress(bytes: [127, 0, 0, 1])
        let loopback6 = SyslogAddress(bytes: Array(repeating: 0, count: 15) + [1])
        #expect(address == loopback4 || address == loopback6)
    }
}
