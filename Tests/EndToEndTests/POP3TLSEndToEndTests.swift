import Foundation
import Testing
import TestSupport

/// STLS through the appliance (docs/tls.md), against a real Dovecot offering it with a
/// certificate of the test's own CA: poplib and curl, verifying the appliance's certificate
/// against the site CA, retrieve through it, and what was detected arrives tagged.
@Suite(.serialized)
struct POP3TLSEndToEndTests {
    static func message(subject: String, body: String) -> Data {
        Data("From: Sender <sender@example.org>\r\nTo: Alice <alice@example.com>\r\nSubject: \(subject)\r\nMessage-ID: <\(subject)@example.org>\r\n\r\n\(body)\r\n".utf8)
    }

    /// Dovecot with STLS holding a clean message and GTUBE, and an appliance in front of it.
    static func setUp() throws -> (dovecot: DovecotInstance, lab: SMTPLab, siteCA: String, pki: TemporaryDirectory) {
        let pki = try TemporaryDirectory(prefix: "mailsec-tls-pki")
        let script = try ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path
        let made = try CommandRun.run("/usr/bin/env", ["PKI_EXTRA_SAN=DNS:pop.example.org", script, pki.url.path], timeout: 60)
        guard made.status == 0 else { throw MailServerError.setupFailed("make-pki: \(made.stderr)") }
        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        dovecot.tls = (pki.path("server.pem"), pki.path("server.key"))
        dovecot.implicitTLSPort = TCPPort.free()
        _ = try dovecot.deliver(user: "alice", message: message(subject: "clean", body: "hello\r\n.dot"))
        _ = try dovecot.deliver(user: "alice", message: message(subject: "offer", body: SMTPRelayEndToEndTests.gtube))
        try dovecot.start()
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true,
                              daemonArguments: ["--tls-upstream-ca", pki.path("ca.pem")])
        let siteCA = lab.dir.path("state/tls/site-ca.pem")
        guard waitUntil({ FileManager.default.fileExists(atPath: siteCA) }) else {
            throw MailServerError.setupFailed("no site CA")
        }
        return (dovecot, lab, siteCA, pki)
    }

    /// poplib with STLS: each message's Subject line as retrieved, then QUIT (nothing deleted).
    static func poplibSubjects(port: Int, ca: String) throws -> [String] {
        let run = try CommandRun.run("/usr/bin/python3", ["-c", """
            import poplib, ssl, sys
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=60)
            caps = p.capa()
            print("CAPA", " ".join(sorted(caps)))
            p.stls(ssl.create_default_context(cafile=sys.argv[2]))
            print("CAPA2", " ".join(sorted(p.capa())))
            p.user("alice"); p.pass_("secret")
            for n in range(1, len(p.list()[1]) + 1):
                lines = p.retr(n)[1]
                print("SUBJECT", next(l.decode() for l in lines if l.startswith(b"Subject: ")))
            p.quit()
            """, String(port), ca], timeout: 60)
        guard run.status == 0 else { throw MailServerError.setupFailed("poplib: \(run.stdout)\(run.stderr)") }
        return run.stdout.split(separator: "\n").map(String.init)
    }

    @Test func poplibAndCurlRetrieveOverSTLSAndDetectedMailIsTagged() throws {
        let (dovecot, lab, siteCA, pki) = try Self.setUp()
        defer { lab.stop(); dovecot.stop(); withExtendedLifetime(pki) {} }
        let lines = try Self.poplibSubjects(port: lab.proxyPort, ca: siteCA)
        #expect(lines.first { $0.hasPrefix("CAPA ") }?.contains("STLS") == true, "\(lines)")
        #expect(lines.first { $0.hasPrefix("CAPA2 ") }?.contains("STLS") == false, "inside TLS STLS is not offered again: \(lines)")
        #expect(lines.contains("SUBJECT Subject: clean"), "\(lines)")
        #expect(lines.contains("SUBJECT Subject: [SPAM] offer"), "\(lines)")
        // Dovecot saw a TLS session from the appliance.
        #expect(waitUntil { dovecot.log.contains("TLS") }, "\(dovecot.log)")

        // curl, STLS required, verifying the site CA: the clean message equals Dovecot's own,
        // GTUBE arrives tagged.
        var seen: [String] = []
        for number in 1...2 {
            let viaAppliance = try CommandRun.run("/usr/bin/curl", [
                "-sS", "--ssl-reqd", "--cacert", siteCA, "--user", "alice:secret",
                "pop3://127.0.0.1:\(lab.proxyPort)/\(number)"], timeout: 60)
            #expect(viaAppliance.status == 0, "\(viaAppliance.stderr)")
            let direct = try CommandRun.run("/usr/bin/curl", [
                "-sS", "--ssl-reqd", "--cacert", pki.path("ca.pem"), "--user", "alice:secret",
                "pop3://127.0.0.1:\(dovecot.port)/\(number)"], timeout: 60)
            #expect(direct.status == 0, "\(direct.stderr)")
            if direct.stdout.contains("Subject: clean") {
                #expect(viaAppliance.stdout == direct.stdout)
                seen.append("clean")
            } else {
                #expect(viaAppliance.stdout == direct.stdout.replacingOccurrences(of: "Subject: offer", with: "Subject: [SPAM] offer"))
                seen.append("offer")
            }
        }
        #expect(seen.sorted() == ["clean", "offer"])
        #expect(try lab.statusValue("POP3 TLS inspected") == 3)
    }

    /// Implicit TLS (RFC 8314, 995): curl pop3s:// through the appliance to Dovecot's POP3S
    /// listener, verifying the site CA; GTUBE arrives tagged, the clean message unchanged.
    @Test func pop3sIsInspectedFromTheFirstByte() throws {
        let pki = try TemporaryDirectory(prefix: "mailsec-tls-pki")
        let script = try ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path
        let made = try CommandRun.run("/usr/bin/env", ["PKI_EXTRA_SAN=DNS:pop.example.org", script, pki.url.path], timeout: 60)
        guard made.status == 0 else { throw MailServerError.setupFailed("make-pki: \(made.stderr)") }
        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        dovecot.tls = (pki.path("server.pem"), pki.path("server.key"))
        let pop3s = TCPPort.free()
        dovecot.implicitTLSPort = pop3s
        _ = try dovecot.deliver(user: "alice", message: Self.message(subject: "offer", body: SMTPRelayEndToEndTests.gtube))
        try dovecot.start()
        defer { dovecot.stop() }
        let listen = TCPPort.free()
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true, daemonArguments: [
            "--tls-upstream-ca", pki.path("ca.pem"), "--pop3s-listen", "127.0.0.1:\(listen)", "--pop3s-upstream", "127.0.0.1:\(pop3s)"])
        defer { lab.stop() }
        #expect(waitUntil { TCPPort.isListening(listen) })
        let fetched = try CommandRun.run("/usr/bin/curl", [
            "-sS", "--cacert", lab.dir.path("state/tls/site-ca.pem"), "--user", "alice:secret",
            "pop3s://127.0.0.1:\(listen)/1"], timeout: 60)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("Subject: [SPAM] offer"), "\(fetched.stdout)")
        #expect(try lab.statusValue("POP3 TLS inspected") == 1)
    }

    /// fetchmail and mpop, requiring STLS and verifying the site CA, retrieve through the
    /// appliance: each gets GTUBE tagged.
    @Test func fetchmailAndMpopUseSTLSThroughTheAppliance() throws {
        let (dovecot, lab, siteCA, pki) = try Self.setUp()
        defer { lab.stop(); dovecot.stop(); withExtendedLifetime(pki) {} }
        let work = try TemporaryDirectory(prefix: "mailsec-tls-clients")
        // By name: fetchmail matches the certificate's DNS names only, never its addresses.
        let rc = work.path("fetchmailrc")
        try Data("""
            poll localhost protocol pop3 port \(lab.proxyPort)
              user "alice" password "secret" keep fetchall
              sslproto 'tls1.2+' sslcertck sslcertfile "\(siteCA)"
              mda "/bin/sh -c 'cat >> \(work.path("fetchmail.mbox"))'"

            """.utf8).write(to: URL(fileURLWithPath: rc))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: rc)
        let fetchmail = try CommandRun.run("/usr/bin/fetchmail", [
            "--fetchmailrc", rc, "--idfile", work.path("fetchids"), "--pidfile", work.path("fetchmail.pid"),
            "--nodetach", "--nosyslog", "-v"], timeout: 60)
        #expect(fetchmail.status == 0, "\(fetchmail.stdout)\(fetchmail.stderr)")
        let fetched = (try? String(contentsOfFile: work.path("fetchmail.mbox"), encoding: .utf8)) ?? ""
        #expect(fetched.contains("Subject: [SPAM] offer") && fetched.contains("Subject: clean"), "\(fetchmail.stdout)\(fetchmail.stderr)")

        let mpop = try CommandRun.run("/usr/bin/mpop", [
            "--host=127.0.0.1", "--port=\(lab.proxyPort)", "--auth=user", "--user=alice", "--passwordeval=echo secret",
            "--tls=on", "--tls-starttls=on", "--tls-trust-file=\(siteCA)", "--keep=on", "--only-new=off",
            "--uidls-file=\(work.path("mpop-uidls"))", "--delivery=mbox,\(work.path("mpop.mbox"))"], timeout: 60)
        #expect(mpop.status == 0, "\(mpop.stdout)\(mpop.stderr)")
        let popped = (try? String(contentsOfFile: work.path("mpop.mbox"), encoding: .utf8)) ?? ""
        #expect(popped.contains("Subject: [SPAM] offer") && popped.contains("Subject: clean"), "\(mpop.stdout)\(mpop.stderr)")
        #expect(try lab.statusValue("POP3 TLS inspected") == 2)
    }
}
