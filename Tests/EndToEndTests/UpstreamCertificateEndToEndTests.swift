import Foundation
import Testing
import TestSupport

/// A real Postfix offering STARTTLS with a certificate that fails verification — expired,
/// self-signed, or not naming the server the client asked for — behind the appliance, which is
/// told to trust the test CA (so each case fails for its own reason only). A client verifying
/// against the site CA sees the failure (the leaf is signed by the untrusted CA); one that does
/// not verify still delivers, scanned; `upstream-invalid refuse` closes the session instead.
/// Each outcome is counted as `upstream invalid` and logged with its reason (docs/tls.md).
@Suite(.serialized)
struct UpstreamCertificateEndToEndTests {
    enum BadCertificate: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case expired
        case selfSigned = "self-signed"
        case nameMismatch = "name-mismatch"

        var testDescription: String { rawValue }

        /// What the client sends as SNI: the server's name, but for the mismatch.
        var serverName: String { self == .nameMismatch ? "wrong.example.net" : "mail.example.org" }
    }

    static let recipient = "bob@example.com"

    @Test(arguments: BadCertificate.allCases)
    func aBadUpstreamCertificateIsNeverTrustedAndItsMailIsNotLost(_ bad: BadCertificate) throws {
        let pki = try TemporaryDirectory(prefix: "mailsec-bad-upstream")
        let (certificate, key) = try Self.make(bad, in: pki.url.path)
        var configuration = PostfixInstance.Configuration()
        configuration.extraSettings["smtpd_tls_cert_file"] = certificate
        configuration.extraSettings["smtpd_tls_key_file"] = key
        configuration.extraSettings["smtpd_tls_security_level"] = "may"
        let postfix = try PostfixInstance(configuration: configuration)
        defer { postfix.stop() }
        try postfix.start()
        let lab = try SMTPLab(serverPort: postfix.port, daemonArguments: ["--tls-upstream-ca", pki.path("ca.pem")])
        defer { lab.stop() }
        let siteCA = lab.dir.path("state/tls/site-ca.pem")
        try #require(waitUntil { FileManager.default.fileExists(atPath: siteCA) })
        let mailbox = postfix.mailbox(Self.recipient)

        let verifying = try send(subject: "verified", to: lab, bad, trusting: siteCA)
        #expect(!verifying.accepted, "a client verifying against the site CA must see the failure: \(verifying.transcript)")

        let before = Set(mailbox.messages())
        let opportunistic = try send(subject: "opportunistic", to: lab, bad, trusting: nil)
        #expect(opportunistic.accepted, "\(opportunistic.transcript)\n\(opportunistic.standardError)")
        let files = try postfix.waitForMessages(for: Self.recipient, count: before.count + 1)
        let delivered = try files.filter { !before.contains($0) }.last
            .map { String(decoding: PostfixInstance.splitDelivered(try postfix.readMessage($0)).content, as: UTF8.self) }
        #expect(delivered?.contains("Subject: [SPAM] opportunistic") == true, "scanned inside TLS: \(delivered ?? "nothing")")
        #expect(try lab.statusValue("SMTP TLS upstream invalid") == 2)
        #expect(try lab.statusValue("SMTP TLS inspected") == 0)
        let log = try lab.console("show log")
        #expect(log.contains("SMTP: TLS upstream invalid for 127.0.0.1 (\(bad.rawValue))"), "\(log)")

        // refuse: the session ends, the client keeps its mail (not accepted), nothing arrives.
        try lab.console("mail security tls upstream-invalid refuse")
        let count = mailbox.messages().count
        let refused = try send(subject: "refused", to: lab, bad, trusting: nil)
        #expect(!refused.accepted, "\(refused.transcript)")
        #expect(waitUntil(timeout: 10) { (try? lab.statusValue("SMTP TLS upstream invalid")) == 3 })
        #expect(mailbox.messages().count == count)
    }

    /// swaks with STARTTLS and the case's SNI; verifying against `ca` when given.
    private func send(subject: String, to lab: SMTPLab, _ bad: BadCertificate, trusting ca: String?) throws -> Swaks.Result {
        let data = Data("From: Alice <alice@example.com>\r\nTo: Bob <\(Self.recipient)>\r\nSubject: \(subject)\r\nMessage-ID: <bad-upstream@example.com>\r\n\r\n\(SMTPRelayEndToEndTests.gtube)\r\n".utf8)
        var arguments = ["--tls", "--tls-sni", bad.serverName]
        if let ca { arguments += ["--tls-verify", "--tls-ca-path", ca] }
        return try Swaks.send(port: lab.proxyPort, from: "alice@example.com", to: [Self.recipient], data: data,
                              extraArguments: arguments, timeout: 60)
    }

    /// The test CA (firmware/make-pki.sh, in `dir`) and the server's certificate and key for
    /// `bad`, all naming mail.example.org and 127.0.0.1: signed by the test CA but past its
    /// notAfter; signed by itself; or the test CA's good one (the client then asks for another name).
    static func make(_ bad: BadCertificate, in dir: String) throws -> (certificate: String, key: String) {
        let script = try ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path
        try run("/usr/bin/env", ["PKI_EXTRA_SAN=DNS:mail.example.org", script, dir])
        let names = ["-subj", "/CN=mail.example.org", "-addext", "subjectAltName=DNS:mail.example.org,IP:127.0.0.1"]
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "/bad.key"]
        let result: (String, String)
        switch bad {
        case .nameMismatch:
            result = (dir + "/server.pem", dir + "/server.key")
        case .selfSigned:
            try run("/usr/bin/openssl", ["req", "-x509"] + newKey + ["-out", dir + "/bad.pem", "-days", "30"] + names)
            result = (dir + "/bad.pem", dir + "/bad.key")
        case .expired:
            // `openssl ca` is what can date a certificate in the past.
            try run("/usr/bin/openssl", ["req"] + newKey + ["-out", dir + "/bad.csr"] + names)
            try "".write(toFile: dir + "/index.txt", atomically: true, encoding: .utf8)
            try "01\n".write(toFile: dir + "/serial", atomically: true, encoding: .utf8)
            try """
                [ca]
                default_ca = expired
                [expired]
                database = \(dir)/index.txt
                new_certs_dir = \(dir)
                serial = \(dir)/serial
                default_md = sha256
                policy = any
                copy_extensions = copy
                [any]
                commonName = supplied

                """.write(toFile: dir + "/ca.cnf", atomically: true, encoding: .utf8)
            try run("/usr/bin/openssl", ["ca", "-batch", "-config", dir + "/ca.cnf", "-cert", dir + "/ca.pem", "-keyfile", dir + "/ca.key",
                                         "-in", dir + "/bad.csr", "-out", dir + "/bad.pem", "-notext",
                                         "-startdate", "20250101000000Z", "-enddate", "20250201000000Z"])
            result = (dir + "/bad.pem", dir + "/bad.key")
        }
        // smtpd reads its key as the postfix user; the key is the test's own.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: result.1)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        return result
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let made = try CommandRun.run(executable, arguments, timeout: 60)
        guard made.status == 0 else { throw MailServerError.setupFailed("\(executable) \(arguments.first ?? ""): \(made.stderr)") }
    }
}
