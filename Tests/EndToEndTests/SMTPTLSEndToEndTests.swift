import Foundation
import Testing
import TestSupport

/// A private Postfix offering STARTTLS with a certificate from a CA of the test's own (made by
/// firmware/make-pki.sh, naming mail.example.org and 127.0.0.1), for a whole suite.
struct TLSPostfix: SuiteTrait, TestScoping {
    @TaskLocal static var current: (postfix: PostfixInstance, pki: String)?

    static var instance: (postfix: PostfixInstance, pki: String) {
        get throws {
            guard let current else { throw MailServerError.setupFailed("no TLSPostfix trait on this suite") }
            return current
        }
    }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let pki = try TemporaryDirectory(prefix: "mailsec-tls-pki")
        let script = try ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path
        let made = try CommandRun.run("/usr/bin/env", ["PKI_EXTRA_SAN=DNS:mail.example.org", script, pki.url.path], timeout: 60)
        guard made.status == 0 else { throw MailServerError.setupFailed("make-pki: \(made.stderr)") }
        // smtpd reads its key as the postfix user; the key is the test's own.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pki.path("server.key"))
        var configuration = PostfixInstance.Configuration()
        configuration.extraSettings["smtpd_tls_cert_file"] = pki.path("server.pem")
        configuration.extraSettings["smtpd_tls_key_file"] = pki.path("server.key")
        configuration.extraSettings["smtpd_tls_security_level"] = "may"
        configuration.extraSettings["smtpd_tls_loglevel"] = "1"
        configuration.implicitTLSPort = TCPPort.free()
        let postfix = try PostfixInstance(configuration: configuration)
        defer { postfix.stop() }
        try postfix.start()
        try await Self.$current.withValue((postfix, pki.url.path)) { try await function() }
        withExtendedLifetime(pki) {}
    }
}

/// STARTTLS through the appliance (docs/tls.md), against a real Postfix offering it, with the
/// real swaks verifying the certificate the appliance presents against the site CA it made at
/// first start: the mail inside is scanned as in plaintext, and every outcome is counted.
@Suite(.serialized, TLSPostfix())
struct SMTPTLSEndToEndTests {
    static let recipient = "bob@example.com"

    static func message(subject: String, body: String) -> Data {
        Data("From: Alice <alice@example.com>\r\nTo: Bob <\(recipient)>\r\nSubject: \(subject)\r\nMessage-ID: <tls@example.com>\r\n\r\n\(body)\r\n".utf8)
    }

    /// An appliance whose state (and so its site CA) lives in the lab's directory; the upstream
    /// is trusted through the test CA unless `trustUpstream` is false.
    static func lab(trustUpstream: Bool = true) throws -> (lab: SMTPLab, siteCA: String) {
        let (postfix, pki) = try TLSPostfix.instance
        var arguments: [String] = []
        if trustUpstream { arguments += ["--tls-upstream-ca", pki + "/ca.pem"] }
        let lab = try SMTPLab(serverPort: postfix.port, daemonArguments: arguments)
        let siteCA = lab.dir.path("state/tls/site-ca.pem")
        guard waitUntil({ FileManager.default.fileExists(atPath: siteCA) }) else {
            throw MailServerError.setupFailed("no site CA in \(lab.dir.path("state"))")
        }
        return (lab, siteCA)
    }

    static func send(_ data: Data, port: Int, trusting ca: String?, extra: [String] = []) throws -> Swaks.Result {
        var arguments = ["--tls", "--tls-sni", "mail.example.org"] + extra
        if let ca { arguments += ["--tls-verify", "--tls-ca-path", ca] }
        return try Swaks.send(port: port, from: "alice@example.com", to: [recipient], data: data,
                              extraArguments: arguments, timeout: 60)
    }

    static func newest(after before: Set<URL>) throws -> String? {
        let (postfix, _) = try TLSPostfix.instance
        let files = try postfix.waitForMessages(for: recipient, count: before.count + 1)
        return try files.filter { !before.contains($0) }.last
            .map { String(decoding: PostfixInstance.splitDelivered(try postfix.readMessage($0)).content, as: UTF8.self) }
    }

    static func tlsCount(_ lab: SMTPLab, _ label: String) throws -> Int? {
        try lab.statusValue("SMTP TLS \(label)")
    }

    @Test func cleanSpamAndVirusOverSTARTTLSAreInspectedAsInPlaintext() throws {
        let (postfix, _) = try TLSPostfix.instance
        let (lab, siteCA) = try Self.lab()
        defer { lab.stop() }
        let mailbox = postfix.mailbox(Self.recipient)

        var before = Set(mailbox.messages())
        let clean = Self.message(subject: "clean over TLS", body: "nothing to see\r\n.leading dot")
        let sent = try Self.send(clean, port: lab.proxyPort, trusting: siteCA)
        #expect(sent.accepted, "\(sent.transcript)\n\(sent.standardError)\n\(postfix.log)")
        let content = try #require(try Self.newest(after: before))
        before = Set(mailbox.messages())
        let direct = try Swaks.send(port: postfix.port, from: "alice@example.com", to: [Self.recipient], data: clean)
        #expect(direct.accepted)
        #expect(content == (try Self.newest(after: before)), "byte for byte as a direct delivery")
        // The server half was encrypted too.
        #expect(postfix.waitForLog(containing: "TLS connection established from unknown[127.0.0.1]"), "\(postfix.log)")

        before = Set(mailbox.messages())
        let spam = try Self.send(Self.message(subject: "offer", body: SMTPRelayEndToEndTests.gtube), port: lab.proxyPort, trusting: siteCA)
        #expect(spam.accepted)
        #expect(try Self.newest(after: before)?.contains("Subject: [SPAM] offer") == true)

        try lab.console("mail security smtp detect virus mail reject")
        let virus = try Self.send(Self.message(subject: "virus", body: SMTPRelayEndToEndTests.eicar), port: lab.proxyPort, trusting: siteCA)
        #expect(!virus.accepted)
        #expect(virus.transcript.contains("554 5.7.1 Message rejected by mail security (virus)"), "\(virus.transcript)")
        #expect(try Self.tlsCount(lab, "inspected") == 3)
    }

    @Test func aClientThatDoesNotTrustTheSiteCAFailsItsHandshakeAndIsCounted() throws {
        let (_, pki) = try TLSPostfix.instance
        let (lab, _) = try Self.lab()
        defer { lab.stop() }
        // The client trusts only the server's own CA: the appliance's certificate is refused.
        let sent = try Self.send(Self.message(subject: "x", body: "y"), port: lab.proxyPort, trusting: pki + "/ca.pem")
        #expect(!sent.accepted)
        let refused = waitUntil { (try? Self.tlsCount(lab, "client refused")) == 1 }
        #expect(refused, "\((try? lab.console("show log")) ?? "")")
        #expect(try Self.tlsCount(lab, "inspected") == 0)
    }

    @Test func anUpstreamThatFailsVerificationIsReSignedByTheUntrustedCA() throws {
        let (postfix, _) = try TLSPostfix.instance
        // The appliance is not told of the test CA: the server's certificate does not verify.
        let (lab, siteCA) = try Self.lab(trustUpstream: false)
        defer { lab.stop() }
        let verifying = try Self.send(Self.message(subject: "x", body: "y"), port: lab.proxyPort, trusting: siteCA)
        #expect(!verifying.accepted, "a verifying client must see the failure: \(verifying.transcript)")
        // A client that does not verify (most MTAs in opportunistic TLS) still delivers, scanned.
        let before = Set(postfix.mailbox(Self.recipient).messages())
        let opportunistic = try Self.send(Self.message(subject: "opportunistic", body: "y"), port: lab.proxyPort, trusting: nil)
        #expect(opportunistic.accepted, "\(opportunistic.transcript)")
        #expect(try Self.newest(after: before)?.contains("Subject: opportunistic") == true)
        #expect(try Self.tlsCount(lab, "upstream invalid") == 2)
        #expect(try Self.tlsCount(lab, "inspected") == 0)
        let log = try lab.console("show log")
        #expect(log.contains("SMTP: TLS upstream invalid for 127.0.0.1"), "\(log)")
    }

    /// pass: the encrypted session crosses untouched (the client sees the server's own
    /// certificate), counted as passed and as not inspected; block: STARTTLS is not offered.
    @Test func passRelaysTheServersOwnTLSAndBlockOffersNone() throws {
        let (postfix, pki) = try TLSPostfix.instance
        let (lab, _) = try Self.lab()
        defer { lab.stop() }
        try lab.console("mail security tls smtp pass")
        let before = Set(postfix.mailbox(Self.recipient).messages())
        // Verified against the server's own CA: nothing of the appliance's in between.
        let passed = try Self.send(Self.message(subject: "passed", body: SMTPRelayEndToEndTests.gtube), port: lab.proxyPort,
                                   trusting: pki + "/ca.pem")
        #expect(passed.accepted, "\(passed.transcript)")
        #expect(try Self.newest(after: before)?.contains("Subject: passed") == true, "not inspected: no tag")
        #expect(try Self.tlsCount(lab, "passed") == 1)

        try lab.console("mail security tls smtp block")
        let blocked = try Self.send(Self.message(subject: "x", body: "y"), port: lab.proxyPort, trusting: pki + "/ca.pem")
        #expect(!blocked.accepted)
        #expect(blocked.standardError.contains("Host did not advertise STARTTLS"), "\(blocked.standardError)")
        #expect(try Self.tlsCount(lab, "inspected") == 0)
    }

    /// An exempt server's upgrade passes untouched; a server the office owns gets its own
    /// certificate presented, and its mail is still inspected.
    @Test func exemptServersPassAndTheOfficesOwnServerKeepsItsCertificate() throws {
        let (postfix, pki) = try TLSPostfix.instance
        let (lab, _) = try Self.lab()
        defer { lab.stop() }
        try lab.console("mail security tls exempt 127.0.0.0/8")
        let exempt = try Self.send(Self.message(subject: "exempt", body: "y"), port: lab.proxyPort, trusting: pki + "/ca.pem")
        #expect(exempt.accepted, "\(exempt.transcript)")
        #expect(try Self.tlsCount(lab, "exempt") == 1)

        try lab.console("no mail security tls exempt")
        try lab.console("mail security tls server-certificate 127.0.0.1 \(pki)/server.pem \(pki)/server.key")
        let before = Set(postfix.mailbox(Self.recipient).messages())
        let own = try Self.send(Self.message(subject: "own", body: SMTPRelayEndToEndTests.gtube), port: lab.proxyPort,
                                trusting: pki + "/ca.pem")
        #expect(own.accepted, "\(own.transcript)")
        #expect(try Self.newest(after: before)?.contains("Subject: [SPAM] own") == true)
        #expect(try Self.tlsCount(lab, "inspected") == 1)
    }

    /// Implicit TLS (RFC 8314, 465): swaks --tls-on-connect through the appliance to Postfix's
    /// wrapper-mode smtpd; TLS on both halves from the first byte, the mail inside scanned.
    @Test func implicitTLSIsInspectedFromTheFirstByte() throws {
        let (postfix, pki) = try TLSPostfix.instance
        let smtps = try #require(postfix.configuration.implicitTLSPort)
        let listen = TCPPort.free()
        let lab = try SMTPLab(serverPort: postfix.port, daemonArguments: [
            "--tls-upstream-ca", pki + "/ca.pem", "--smtps-listen", "127.0.0.1:\(listen)", "--smtps-upstream", "127.0.0.1:\(smtps)"])
        defer { lab.stop() }
        let siteCA = lab.dir.path("state/tls/site-ca.pem")
        #expect(waitUntil { TCPPort.isListening(listen) })
        let before = Set(postfix.mailbox(Self.recipient).messages())
        let sent = try Swaks.send(port: listen, from: "alice@example.com", to: [Self.recipient],
                                  data: Self.message(subject: "implicit", body: SMTPRelayEndToEndTests.gtube),
                                  extraArguments: ["--tls-on-connect", "--tls-verify", "--tls-ca-path", siteCA,
                                                   "--tls-sni", "mail.example.org"], timeout: 60)
        #expect(sent.accepted, "\(sent.transcript)\n\(sent.standardError)")
        #expect(try Self.newest(after: before)?.contains("Subject: [SPAM] implicit") == true)
        #expect(try Self.tlsCount(lab, "inspected") == 1)
        #expect(postfix.waitForLog(containing: "TLS connection established from unknown[127.0.0.1]"))

        // block: the implicit-TLS port is closed at once, counted.
        try lab.console("mail security tls smtp block")
        let blocked = try Swaks.send(port: listen, from: "alice@example.com", to: [Self.recipient], data: Self.message(subject: "x", body: "y"),
                                     extraArguments: ["--tls-on-connect"], timeout: 30)
        #expect(!blocked.accepted)
        #expect(try Self.tlsCount(lab, "blocked") == 1)
    }

    /// Implicit TLS to a server that does not answer: the client's handshake, waiting for the
    /// server half, fails cleanly and is counted; the daemon goes on.
    @Test func implicitTLSToAnUnreachableServerFailsCleanly() throws {
        let (postfix, pki) = try TLSPostfix.instance
        let listen = TCPPort.free()
        let lab = try SMTPLab(serverPort: postfix.port, daemonArguments: [
            "--tls-upstream-ca", pki + "/ca.pem", "--smtps-listen", "127.0.0.1:\(listen)", "--smtps-upstream", "127.0.0.1:\(TCPPort.free())"])
        defer { lab.stop() }
        #expect(waitUntil { TCPPort.isListening(listen) })
        // The probe above connected and hung up without a hello: a handshake that failed too.
        let probes = try #require(try Self.tlsCount(lab, "handshake failed"))
        let sent = try Swaks.send(port: listen, from: "alice@example.com", to: [Self.recipient], data: Self.message(subject: "x", body: "y"),
                                  extraArguments: ["--tls-on-connect"], timeout: 30)
        #expect(!sent.accepted)
        let counted = waitUntil { (try? Self.tlsCount(lab, "handshake failed")) == probes + 1 }
        #expect(counted, "\((try? lab.console("show status mail security")) ?? "")")
        #expect(TCPPort.isListening(listen), "the daemon goes on")
    }

    /// CVE-2011-0411: a command written in plaintext right after STARTTLS, in the same segment,
    /// gets no answer inside TLS (the appliance discards it; the server never sees it).
    @Test func aCommandPipelinedAfterSTARTTLSIsNeverAnswered() throws {
        let (lab, siteCA) = try Self.lab()
        defer { lab.stop() }
        let script = #"""
        import socket, ssl, sys
        port, ca = int(sys.argv[1]), sys.argv[2]
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        f = s.makefile("rb")
        def reply():
            lines = []
            while True:
                line = f.readline().decode()
                lines.append(line.strip())
                if line[3:4] != "-": return lines
        reply()
        s.sendall(b"EHLO pc.example\r\n"); print("EHLO", " ".join(reply()))
        s.sendall(b"STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n")
        print("STARTTLS", reply()[0])
        context = ssl.create_default_context(cafile=ca)
        t = context.wrap_socket(s, server_hostname="mail.example.org")
        f = t.makefile("rb")
        t.sendall(b"EHLO pc.example\r\n"); print("EHLO2", " ".join(reply()))
        t.sendall(b"RCPT TO:<bob@example.com>\r\n"); print("RCPT", reply()[0])
        t.sendall(b"QUIT\r\n"); print("QUIT", reply()[0])
        """#
        let run = try CommandRun.run("/usr/bin/python3", ["-c", script, String(lab.proxyPort), siteCA], timeout: 60)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first { $0.hasPrefix("EHLO ") }?.contains("STARTTLS") == true, "\(lines)")
        #expect(lines.first { $0.hasPrefix("STARTTLS ") }?.hasPrefix("STARTTLS 220") == true, "\(lines)")
        // Inside TLS: EHLO answered (without STARTTLS), and RCPT refused for want of a MAIL:
        // the injected MAIL FROM never took effect.
        let ehlo = try #require(lines.first { $0.hasPrefix("EHLO2 ") })
        #expect(ehlo.hasPrefix("EHLO2 250") && !ehlo.contains("STARTTLS"), "\(ehlo)")
        #expect(lines.first { $0.hasPrefix("RCPT ") }?.hasPrefix("RCPT 503") == true, "\(lines)")
        let log = try lab.console("show log")
        #expect(log.contains("octets sent in plaintext after the upgrade command discarded"), "\(log)")
    }
}

extension SMTPLab {
    /// The number in the `show status mail security` row `item` (nil when there is no such row).
    func statusValue(_ item: String) throws -> Int? {
        let status = try console("show status mail security")
        let row = status.split(separator: "\n").first { $0.hasPrefix(item + " ") }
        return row.flatMap { Int($0.split(separator: " ").last ?? "") }
    }
}
