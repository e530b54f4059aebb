import Foundation
import Testing
import TestSupport

/// XCLIENT and XFORWARD through the appliance, against a real Postfix that offers them to the
/// appliance's address (loopback here, as an office server trusting its firewall would): the
/// client behind the appliance is never offered them, and a client that sends them anyway gets
/// 502 and cannot make the server log another client's identity.
@Suite(.serialized, .privatePostfix {
    $0.extraSettings["smtpd_authorized_xclient_hosts"] = "127.0.0.0/8"
    $0.extraSettings["smtpd_authorized_xforward_hosts"] = "127.0.0.0/8"
})
struct SMTPIdentityExtensionEndToEndTests {
    /// Python's smtplib: EHLO, then each command; prints the EHLO keywords and each reply code.
    static let script = #"""
    import smtplib, sys
    port = int(sys.argv[1])
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("pc.example")
    print("EHLO " + " ".join(sorted(k.upper() for k in s.esmtp_features)))
    for command in sys.argv[2:]:
        code, text = s.docmd(command)
        print("REPLY %d %s" % (code, text.decode(errors="replace")))
    s.quit()
    """#

    static func dialogue(port: Int, _ commands: [String]) throws -> [String] {
        let result = try runCommand("/usr/bin/python3", ["-c", script, String(port)] + commands)
        guard result.status == 0 else { throw MailServerError.setupFailed("smtplib: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func xclientAndXforwardAreNeitherOfferedNorRelayed() throws {
        let postfix = try PrivatePostfix.instance
        // The server itself offers both to a client on its trusted network…
        let direct = try Self.dialogue(port: postfix.port, [])
        #expect(direct.first?.contains(" XCLIENT") == true, "\(direct)")
        #expect(direct.first?.contains(" XFORWARD") == true, "\(direct)")

        let lab = try SMTPLab(serverPort: postfix.port)
        defer { lab.stop() }
        // …but not through the appliance, whose address the server trusts.
        let relayed = try Self.dialogue(port: lab.proxyPort, [
            "XCLIENT ADDR=198.51.100.77 NAME=spoofed.example",
            "XFORWARD ADDR=198.51.100.78 NAME=forged.example",
            "NOOP",
        ])
        let ehlo = try #require(relayed.first)
        #expect(ehlo.hasPrefix("EHLO "))
        #expect(!ehlo.contains("XCLIENT") && !ehlo.contains("XFORWARD"), "\(ehlo)")
        #expect(ehlo.contains("SIZE"), "the other capabilities are kept: \(ehlo)")
        #expect(relayed.dropFirst().map { String($0.prefix(9)) } == ["REPLY 502", "REPLY 502", "REPLY 250"], "\(relayed)")
        // The server never saw the commands: it logs no client by the asserted names.
        #expect(!postfix.waitForLog(containing: "spoofed.example", timeout: 2))
        #expect(!postfix.waitForLog(containing: "198.51.100.77", timeout: 0.5))
    }
}
