import Foundation
import Testing
import TestSupport

/// `mailsec replay FILE.pcap` prints what the packet layer's checked-in expectations say.
@Suite struct ReplayCommandTests {
    static let fixtures = ProductBinary.repositoryRoot().appendingPathComponent("Tests/PacketLayerTests/Fixtures")

    @Test(arguments: ["zeek__smtp.pcap", "sv__smtp-rfc2231.pcap", "zeek__pop3.pcap"])
    func printsOneLinePerMessage(capture: String) throws {
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent(
            capture.replacingOccurrences(of: ".pcap", with: ".replay.expected")), encoding: .utf8)
        let result = try runCommand(ProductBinary.path("mailsec"), ["replay", Self.fixtures.appendingPathComponent(capture).path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!expected.isEmpty)
        #expect(result.stdout == expected)
    }

    @Test func aFileThatIsNoCaptureIsAnError() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("not.pcap")
        try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCommand(ProductBinary.path("mailsec"), ["replay", path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("Error: Cannot read the capture"))
    }
}
