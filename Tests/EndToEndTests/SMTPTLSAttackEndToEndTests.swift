import Foundation
import Testing
import TestSupport

/// The STARTTLS attacks a man in the middle tries (the "striptls" list, and the command
/// injection of CVE-2011-0411), against the appliance in front of a real Postfix offering
/// STARTTLS, or in front of a server that lies the way an attacker upstream would. Each test is
/// named after its attack; the transcript tests of the same rulings are in
/// Tests/SMTPRelayTests/SMTPRelayMachineTLSTests.swift.
@Suite(.serialized, TLSPostfix())
struct SMTPTLSAttackEndToEndTests {
    /// Postfix's per-session command tally ("disconnect from … ehlo=2 starttls=1 … commands=5")
    /// of the last session that used STARTTLS: what the server saw, command by command.
    static func lastTLSSessionTally(_ postfix: PostfixInstance) -> String? {
        _ = waitUntil { postfix.log.contains("starttls=") }
        return postfix.log.split(separator: "\n").last { $0.contains("disconnect from") && $0.contains("starttls=") }.map(String.init)
    }

    /// InjectCommand: `STARTTLS\r\nRSET\r\n` in one segment. The RSET was written in plaintext;
    /// inside TLS nothing answers it (the first reply is to the first command sent inside TLS,
    /// and nothing else is pending), and Postfix never saw it.
    @Test func commandInjectionAfterSTARTTLSIsNeitherAnsweredNorRelayed() throws {
        let (postfix, _) = try TLSPostfix.instance
        let (lab, siteCA) = try SMTPTLSEndToEndTests.lab()
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: #"""
            print("GREETING", " | ".join(reply()))
            say("EHLO", b"EHLO pc.example\r\n")
            say("STARTTLS", b"STARTTLS\r\nRSET\r\n")
            secure("mail.example.org")
            say("EHLO2", b"EHLO pc.example\r\n")
            say("NOOP", b"NOOP\r\n")
            print("PENDING", repr(pending()))
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("STARTTLS", in: lines)?.hasPrefix("220 ") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PLAINTEXT-AFTER-GO-AHEAD", in: lines) == "b''", "\(lines)")
        #expect(TLSAttackScripts.line("EHLO2", in: lines)?.hasPrefix("250-mail.example.org") == true, "\(lines)")
        #expect(TLSAttackScripts.line("NOOP", in: lines)?.hasPrefix("250 2.0.0 Ok") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PENDING", in: lines) == "''", "no answer to the injected RSET: \(lines)")
        #expect(TLSAttackScripts.line("QUIT", in: lines)?.hasPrefix("221") == true, "\(lines)")
        let tally = try #require(Self.lastTLSSessionTally(postfix), "\(postfix.log)")
        #expect(tally.contains("starttls=1") && tally.contains("noop=1") && !tally.contains("rset"), "\(tally)")
        let log = try lab.console("show log")
        #expect(log.contains("TLS handshake failed for 127.0.0.1 (6 octets sent in plaintext after the upgrade command discarded)"), "\(log)")
        #expect(try lab.statusValue("SMTP TLS inspected") == 1)
    }

    /// StripFromCapabilities: the appliance itself never removes STARTTLS under `inspect` or
    /// `pass` when the server offers it (only `block` does, by the administrator's choice).
    @Test func stripFromCapabilitiesIsNeverDoneUnlessBlocked() throws {
        let (lab, siteCA) = try SMTPTLSEndToEndTests.lab()
        defer { lab.stop() }
        let steps = #"""
            reply()
            say("EHLO", b"EHLO pc.example\r\n")
            say("QUIT", b"QUIT\r\n")
            """#
        for (mode, offered) in [("inspect", true), ("pass", true), ("block", false)] {
            try lab.console("mail security tls smtp \(mode)")
            let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: steps)
            let ehlo = try #require(TLSAttackScripts.line("EHLO", in: lines), "\(mode): \(lines)")
            #expect(ehlo.contains("STARTTLS") == offered, "\(mode): \(lines)")
        }
    }

    /// A second STARTTLS inside TLS: 503 from the appliance; Postfix saw one STARTTLS only.
    @Test func secondSTARTTLSInsideTLSIsRefusedWith503() throws {
        let (postfix, _) = try TLSPostfix.instance
        let (lab, siteCA) = try SMTPTLSEndToEndTests.lab()
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: #"""
            reply()
            say("EHLO", b"EHLO pc.example\r\n")
            say("STARTTLS", b"STARTTLS\r\n")
            secure("mail.example.org")
            say("EHLO2", b"EHLO pc.example\r\n")
            say("STARTTLS2", b"STARTTLS\r\n")
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("EHLO2", in: lines)?.contains("STARTTLS") == false, "not offered inside TLS: \(lines)")
        #expect(TLSAttackScripts.line("STARTTLS2", in: lines) == "503 5.5.1 TLS already active", "\(lines)")
        let tally = try #require(Self.lastTLSSessionTally(postfix), "\(postfix.log)")
        #expect(tally.contains("starttls=1 "), "\(tally)")
    }

    /// StripWithInvalidResponseCode, StripWithTemporaryError, StripWithError: a server (or an
    /// attacker in front of it) answers STARTTLS with something other than its go-ahead. The
    /// client gets that very answer, never a go-ahead the appliance made up, the session goes on
    /// in plaintext as it would without the appliance (a client requiring TLS stops there), and
    /// the failed upgrade is counted and logged.
    @Test(arguments: [
        ("invalid response code", "200 STRIPTLS"),
        ("temporary error", "454 4.7.0 TLS not available due to temporary reason"),
        ("error", "501 5.5.4 Syntax error"),
    ])
    func stripWithAnErrorReachesTheClientAndIsCounted(attack: String, answer: String) throws {
        let server = try LyingServer(answer: answer + "\r\n")
        defer { server.stop() }
        let lab = try SMTPLab(serverPort: server.port)
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: "/dev/null", steps: #"""
            reply()
            say("EHLO", b"EHLO pc.example\r\n")
            say("STARTTLS", b"STARTTLS\r\n")
            say("NOOP", b"NOOP\r\n")
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("STARTTLS", in: lines) == answer, "\(attack): \(lines)")
        #expect(TLSAttackScripts.line("NOOP", in: lines) == "250 2.0.0 Ok", "\(attack): plaintext goes on: \(lines)")
        #expect(try lab.statusValue("SMTP TLS handshake failed") == 1, "\(attack)")
        #expect(try lab.statusValue("SMTP TLS inspected") == 0)
        let log = try lab.console("show log")
        #expect(log.contains("SMTP: TLS handshake failed for 127.0.0.1 (the server refused the upgrade)"), "\(attack): \(log)")
    }

    /// Server data injected after the go-ahead (the server-side twin of CVE-2011-0411): bytes
    /// following the 220 in plaintext would be read as if they came over TLS. The appliance
    /// ends the session with a protocol error instead of relaying them or starting TLS.
    @Test func serverDataInjectedAfterTheGoAheadEndsTheSession() throws {
        let server = try LyingServer(answer: "220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n")
        defer { server.stop() }
        let lab = try SMTPLab(serverPort: server.port)
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: "/dev/null", steps: #"""
            reply()
            say("EHLO", b"EHLO pc.example\r\n")
            say("STARTTLS", b"STARTTLS\r\n")
            print("REST", repr(pending()))
            """#)
        #expect(TLSAttackScripts.line("STARTTLS", in: lines) == "421 4.4.2 Mail server protocol error", "\(lines)")
        #expect(TLSAttackScripts.line("REST", in: lines) == "'EOF'", "the session is closed: \(lines)")
        #expect(try lab.statusValue("SMTP TLS inspected") == 0)
    }

    /// STARTTLS before EHLO (RFC 3207 §4 expects it after EHLO): relayed as any command is, the
    /// server's ruling stands. Postfix accepts it; the appliance then upgrades the server half
    /// first as always, and the client starts over with EHLO inside TLS, inspected.
    @Test func startTLSBeforeEHLOGetsTheServersAnswer() throws {
        let (lab, siteCA) = try SMTPTLSEndToEndTests.lab()
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: #"""
            reply()
            say("STARTTLS", b"STARTTLS\r\n")
            secure("mail.example.org")
            say("EHLO2", b"EHLO pc.example\r\n")
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("STARTTLS", in: lines)?.hasPrefix("220 ") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PLAINTEXT-AFTER-GO-AHEAD", in: lines) == "b''", "\(lines)")
        #expect(TLSAttackScripts.line("EHLO2", in: lines)?.hasPrefix("250-mail.example.org") == true, "\(lines)")
        #expect(TLSAttackScripts.line("QUIT", in: lines)?.hasPrefix("221") == true, "\(lines)")
        #expect(try lab.statusValue("SMTP TLS inspected") == 1)
    }
}

/// `TLSAttackScripts.lyingSMTPServer` as a process of the test's own.
final class LyingServer {
    let port = TCPPort.free()
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    init(answer: String) throws {
        directory = try TemporaryDirectory(prefix: "mailsec-lying-server")
        let escaped = answer.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        process = try ManagedProcess("/usr/bin/python3", ["-c", TLSAttackScripts.lyingSMTPServer, String(port), escaped],
                                     directory: directory.url)
        let port = port
        guard waitUntil({ TCPPort.isListening(port) }) else { throw MailServerError.setupFailed("the lying server did not start") }
    }

    func stop() { _ = process.stop() }
}
