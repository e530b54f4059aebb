import Foundation
import Testing
import TestSupport

/// The STLS attacks of the "striptls" list that apply to a proxy, against the appliance in front
/// of a real Dovecot (docs/tls.md). The transcript tests of the same rulings are in
/// Tests/POP3RelayTests/POP3RelayMachineTLSTests.swift.
@Suite(.serialized)
struct POP3TLSAttackEndToEndTests {
    /// InjectCommand: `STLS\r\nCAPA\r\n` in one segment. The CAPA was written in plaintext;
    /// inside TLS nothing answers it: each command sent inside TLS gets exactly its own answer
    /// and nothing else is pending; Dovecot never answered it in plaintext either (the appliance
    /// would have ended the session on server bytes after the go-ahead).
    @Test func commandInjectionAfterSTLSIsNeitherAnsweredNorRelayed() throws {
        let (dovecot, lab, siteCA, pki) = try POP3TLSEndToEndTests.setUp()
        defer { lab.stop(); dovecot.stop(); withExtendedLifetime(pki) {} }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: #"""
            print("GREETING", " | ".join(reply(listing=False)))
            say("STLS", b"STLS\r\nCAPA\r\n")
            secure("pop.example.org")
            say("USER", b"USER alice\r\n")
            print("PENDING", repr(pending()))
            say("PASS", b"PASS secret\r\n")
            say("STAT", b"STAT\r\n")
            print("PENDING2", repr(pending()))
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("STLS", in: lines)?.hasPrefix("+OK") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PLAINTEXT-AFTER-GO-AHEAD", in: lines) == "b''", "\(lines)")
        #expect(TLSAttackScripts.line("USER", in: lines)?.hasPrefix("+OK") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PENDING", in: lines) == "''", "no answer to the injected CAPA: \(lines)")
        #expect(TLSAttackScripts.line("PASS", in: lines)?.hasPrefix("+OK") == true, "\(lines)")
        #expect(TLSAttackScripts.line("STAT", in: lines)?.hasPrefix("+OK 2 ") == true, "\(lines)")
        #expect(TLSAttackScripts.line("PENDING2", in: lines) == "''", "\(lines)")
        let log = try lab.console("show log")
        #expect(log.contains("POP3: TLS handshake failed for 127.0.0.1 (6 octets sent in plaintext after the upgrade command discarded)"), "\(log)")
        #expect(try lab.statusValue("POP3 TLS inspected") == 1)
    }

    /// A second STLS inside TLS is refused (RFC 2595 §4), by the appliance.
    @Test func secondSTLSInsideTLSIsRefused() throws {
        let (dovecot, lab, siteCA, pki) = try POP3TLSEndToEndTests.setUp()
        defer { lab.stop(); dovecot.stop(); withExtendedLifetime(pki) {} }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: siteCA, steps: #"""
            reply(listing=False)
            say("STLS", b"STLS\r\n")
            secure("pop.example.org")
            say("CAPA", b"CAPA\r\n", listing=True)
            say("STLS2", b"STLS\r\n")
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("CAPA", in: lines)?.contains("STLS") == false, "not offered inside TLS: \(lines)")
        #expect(TLSAttackScripts.line("STLS2", in: lines) == "-ERR Command not permitted when TLS active", "\(lines)")
        #expect(TLSAttackScripts.line("QUIT", in: lines)?.hasPrefix("+OK") == true, "\(lines)")
    }

    /// StripWithError: a server that answers STLS with -ERR (here a real Dovecot without TLS).
    /// The client gets that answer, never a go-ahead the appliance made up; the session goes on
    /// in plaintext as it would without the appliance; the failed upgrade is counted.
    @Test func stripWithErrorReachesTheClientAndIsCounted() throws {
        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        try dovecot.start()
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let lines = try TLSAttackScripts.runClient(port: lab.proxyPort, ca: "/dev/null", steps: #"""
            reply(listing=False)
            say("STLS", b"STLS\r\n")
            say("USER", b"USER alice\r\n")
            say("QUIT", b"QUIT\r\n")
            """#)
        #expect(TLSAttackScripts.line("STLS", in: lines)?.hasPrefix("-ERR") == true, "\(lines)")
        #expect(TLSAttackScripts.line("USER", in: lines)?.hasPrefix("+OK") == true, "plaintext goes on: \(lines)")
        #expect(try lab.statusValue("POP3 TLS handshake failed") == 1)
        #expect(try lab.statusValue("POP3 TLS inspected") == 0)
    }
}
