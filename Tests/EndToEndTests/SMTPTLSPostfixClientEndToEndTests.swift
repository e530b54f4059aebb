import Foundation
import Testing
import TestSupport

/// A real Postfix as the sending MTA (an office server relaying outwards through the appliance),
/// requiring TLS to its relayhost: the appliance's listener, in front of the receiving Postfix
/// offering STARTTLS. With the site CA in `smtp_tls_CAfile` it delivers over TLS on both halves
/// and the mail is inspected (docs/tls.md, "Installing it on clients": servers that send through
/// the appliance need the CA in their CA file); trusting another CA, it defers the mail and never
/// falls back to plaintext.
@Suite(.serialized, TLSPostfix())
struct SMTPTLSPostfixClientEndToEndTests {
    static let recipient = "bob@example.com"

    struct Setup {
        let lab: SMTPLab
        let client: PostfixInstance
        let files: TemporaryDirectory

        func stop() {
            client.stop()
            lab.stop()
        }
    }

    /// The appliance in front of the receiving Postfix, and a sending Postfix relaying through it
    /// with `tls` for its smtp(8) client and `trust` (default: the appliance's site CA) as its
    /// CA file. The CA is copied where smtp(8), running as user postfix, can read it: the
    /// daemon's state directory is private.
    static func setUp(tls: [String: String], trust: String? = nil) throws -> Setup {
        let (receiver, pki) = try TLSPostfix.instance
        let lab = try SMTPLab(serverPort: receiver.port, daemonArguments: ["--tls-upstream-ca", pki + "/ca.pem"])
        let siteCA = lab.dir.path("state/tls/site-ca.pem")
        guard waitUntil({ FileManager.default.fileExists(atPath: siteCA) }) else {
            lab.stop()
            throw MailServerError.setupFailed("no site CA in \(lab.dir.path("state"))")
        }
        let files = try TemporaryDirectory(prefix: "mailsec-tls-client")
        let caFile = files.path("trusted-ca.pem")
        try FileManager.default.copyItem(atPath: trust ?? siteCA, toPath: caFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: caFile)
        var settings = tls
        settings["smtp_tls_CAfile"] = caFile
        let client = try PostfixInstance(configuration: .sendingMTA(relayHost: "127.0.0.1", port: lab.proxyPort, tls: settings))
        do {
            try client.start()
        } catch {
            lab.stop()
            throw error
        }
        return Setup(lab: lab, client: client, files: files)
    }

    static func message(subject: String, body: String) -> Data {
        Data("From: Alice <alice@example.org>\r\nTo: Bob <\(recipient)>\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID().uuidString)@example.org>\r\n\r\n\(body)\r\n".utf8)
    }

    /// Hands `data` to the sending Postfix's smtpd (as an office client would) and returns what
    /// the receiving Postfix stored, after the fields it added.
    static func relay(_ data: Data, through setup: Setup) throws -> String? {
        let (receiver, _) = try TLSPostfix.instance
        let before = Set(receiver.mailbox(recipient).messages())
        let handed = try Swaks.send(port: setup.client.port, from: "alice@example.org", to: [recipient], data: data)
        guard handed.accepted else { throw MailServerError.setupFailed("the sending Postfix refused: \(handed.transcript)") }
        let files = try receiver.waitForMessages(for: recipient, count: before.count + 1, timeout: 30)
        return try files.filter { !before.contains($0) }.last
            .map { String(decoding: PostfixInstance.splitDelivered(try receiver.readMessage($0)).content, as: UTF8.self) }
    }

    /// `secure`: the certificate must chain to the site CA and name the host the client expects
    /// (`smtp_tls_secure_cert_match`); the SNI it sends picks the leaf the appliance mints.
    @Test func aPostfixRequiringVerifiedTLSDeliversThroughTheApplianceInspected() throws {
        let setup = try Self.setUp(tls: [
            "smtp_tls_security_level": "secure",
            "smtp_tls_secure_cert_match": "mail.example.org",
            "smtp_tls_servername": "mail.example.org",
        ])
        defer { setup.stop() }
        let content = try Self.relay(Self.message(subject: "verified", body: SMTPRelayEndToEndTests.gtube), through: setup)
        #expect(content?.contains("Subject: [SPAM] verified") == true, "\(setup.client.log)")
        #expect(setup.client.waitForLog(containing: "Verified TLS connection established to 127.0.0.1[127.0.0.1]:\(setup.lab.proxyPort)"),
                "\(setup.client.clientLogLines)")
        #expect(setup.client.waitForLog(containing: "status=sent"), "\(setup.client.clientLogLines)")
        let (receiver, _) = try TLSPostfix.instance
        #expect(receiver.waitForLog(containing: "TLS connection established from unknown[127.0.0.1]"), "the server half encrypted too")
        #expect(try setup.lab.statusValue("SMTP TLS inspected") == 1)
    }

    /// `encrypt`: TLS is required, the chain is checked against the CA file but not the name.
    @Test func aPostfixRequiringTLSDeliversThroughTheApplianceInspected() throws {
        let setup = try Self.setUp(tls: ["smtp_tls_security_level": "encrypt"])
        defer { setup.stop() }
        let content = try Self.relay(Self.message(subject: "encrypted", body: SMTPRelayEndToEndTests.gtube), through: setup)
        #expect(content?.contains("Subject: [SPAM] encrypted") == true, "\(setup.client.log)")
        // "Trusted": the chain verified against the site CA (encrypt does not match names).
        #expect(setup.client.waitForLog(containing: "Trusted TLS connection established to 127.0.0.1[127.0.0.1]:\(setup.lab.proxyPort)"),
                "\(setup.client.clientLogLines)")
        #expect(try setup.lab.statusValue("SMTP TLS inspected") == 1)
    }

    /// A sending Postfix that does not trust the site CA (it trusts only the server's own CA):
    /// `secure` defers the mail; it is neither delivered nor sent in plaintext.
    /// Postfix completes the TLS handshake and judges the certificate afterwards, then says
    /// `QUIT`: counted `client refused`, not `inspected` (docs/tls.md, Counters).
    @Test func aPostfixThatDoesNotTrustTheSiteCADefersAndNeverFallsBackToPlaintext() throws {
        let (receiver, pki) = try TLSPostfix.instance
        let setup = try Self.setUp(tls: [
            "smtp_tls_security_level": "secure",
            "smtp_tls_secure_cert_match": "mail.example.org",
        ], trust: pki + "/ca.pem")
        defer { setup.stop() }
        let before = receiver.mailbox(Self.recipient).messages().count
        let handed = try Swaks.send(port: setup.client.port, from: "alice@example.org", to: [Self.recipient],
                                    data: Self.message(subject: "never", body: "x"))
        #expect(handed.accepted)
        #expect(setup.client.waitForLog(containing: "status=deferred", timeout: 30), "\(setup.client.clientLogLines)")
        #expect(setup.client.log.contains("Server certificate not verified"), "\(setup.client.clientLogLines)")
        #expect(!setup.client.log.contains("status=sent"), "\(setup.client.clientLogLines)")
        #expect(receiver.mailbox(Self.recipient).messages().count == before)
        let refused = try setup.lab.statusValue("SMTP TLS client refused") ?? 0
        // Postfix verifies after its handshake, then quits at once: refused.
        #expect(refused >= 1)
        #expect(try setup.lab.statusValue("SMTP TLS inspected") ?? 0 == 0)
    }
}
