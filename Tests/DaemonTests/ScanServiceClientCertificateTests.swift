import Foundation
import Testing
import TestSupport

/// yscd on a non-loopback address (203.0.113.10, in a network namespace of the test's own) with
/// `--client-ca`: a client certificate issued by the client CA stands in for the API key; the
/// appliance presents its own (`mailsecd --ysc-client-cert/--ysc-client-key`). docs/ysc-protocol.md,
/// Authentication; docs/reliability.md, Management plane.
@Suite(.serialized) struct ScanServiceClientCertificateTests {
    typealias Network = ScanServiceAPIKeyTests.Network

    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

    /// A second PKI made by the same script: its client CA has the same name as the real one
    /// but other keys, so its client certificate is an impostor the scan service must refuse.
    static func roguePKI(_ net: Network) throws -> (certificate: String, key: String) {
        try net.run("/bin/sh", [ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, net.dir.path("rogue")])
        return (net.dir.path("rogue/client.pem"), net.dir.path("rogue/client.key"))
    }

    /// How many requests for `path` yscd logged (one line each, on standard error).
    static func logged(_ yscd: ManagedProcess, _ path: String) -> Int {
        yscd.standardError.split(separator: "\n").filter { $0.contains(" \(path) ") }.count
    }

    @Test func aClientCertificateFromTheClientCAStandsInForTheKey() throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: nil, clientCA: net.clientCA)
        #expect(yscd.standardOutput.contains("api-key=none client-cert=accepted"), "\(yscd.standardOutput)")
        #expect(!yscd.standardError.contains("are refused"))

        #expect(try net.status("/v1/scan", clientCertificate: net.clientCertificate) == "200")
        #expect(try net.status("/v1/license/activate", body: #"{"serial":"S1","product":"mail-security"}"#,
                               clientCertificate: net.clientCertificate) == "200")

        // No certificate: the handshake completes (the certificate is optional), the request
        // gets the same 401 as without a key; health stays open.
        let without = try net.request("/v1/scan")
        #expect(without.stdout == "401", "\(without)")
        #expect(yscd.standardError.contains("POST /v1/scan 401 (no valid API key)"))
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer anything"]) == "401")
        #expect(try net.status("/v1/health", body: nil) == "200")

        // A presented certificate must verify against the client CA, or the TLS handshake fails
        // (optionalVerification): the server sends the alert unknown_ca and no HTTP exchange
        // takes place, so curl reports no status (000) and yscd logs no request. Under TLS 1.3
        // the client has finished its side of the handshake before the server has checked its
        // certificate, so curl meets the alert when it reads the reply (exit 56); under TLS 1.2
        // within the handshake (exit 35). Refused: an impostor client CA's certificate (same CA
        // name, other keys) and the server's own certificate (issued by the server CA, which is
        // not trusted for clients).
        let scansBefore = Self.logged(yscd, "/v1/scan")
        let refusedCredentials: [(certificate: String, key: String)] = [
            try Self.roguePKI(net), (certificate: net.dir.path("pki/server.pem"), key: net.dir.path("pki/server.key")),
        ]
        for credential in refusedCredentials {
            for (options, exit) in [([String](), Int32(56)), (["--tls-max", "1.2"], Int32(35))] {
                let refused = try net.request("/v1/scan", clientCertificate: credential, curlOptions: options)
                #expect(refused.stdout == "000", "\(credential.certificate) \(options): \(refused)")
                #expect(refused.status == exit, "\(credential.certificate) \(options): \(refused)")
                #expect(refused.stderr.contains("alert unknown ca"), "\(credential.certificate) \(options): \(refused)")
            }
        }
        #expect(Self.logged(yscd, "/v1/scan") == scansBefore)
        // yscd tells the operator why, once per refused connection.
        // (Written as the alert goes out, so possibly just after curl has given up.)
        #expect(waitUntil(timeout: 5) { yscd.standardError.components(separatedBy: "CERTIFICATE_VERIFY_FAILED").count - 1 == 4 },
                "\(yscd.standardError)")
        // The service is still serving the right certificate afterwards.
        #expect(try net.status("/v1/scan", clientCertificate: net.clientCertificate) == "200")
        // The same certificate over TLS 1.2 is as good as over TLS 1.3.
        #expect(try net.request("/v1/scan", clientCertificate: net.clientCertificate, curlOptions: ["--tls-max", "1.2"]).stdout == "200")
    }

    @Test func withKeyAndClientCAEitherProofIsEnough() throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: net.dir.path("api.key"), clientCA: net.clientCA)
        #expect(yscd.standardOutput.contains("api-key=required client-cert=accepted"), "\(yscd.standardOutput)")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer \(ScanServiceAPIKeyTests.key)"]) == "200")
        #expect(try net.status("/v1/scan", clientCertificate: net.clientCertificate) == "200")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer not-the-key"],
                               clientCertificate: net.clientCertificate) == "200")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer not-the-key"]) == "401")
        #expect(try net.status("/v1/scan") == "401")
    }

    /// Without `--client-ca` no certificate is asked for, so presenting one proves nothing.
    @Test func withoutAClientCAACertificateProvesNothing() throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: nil)
        #expect(yscd.standardOutput.contains("api-key=missing"))
        #expect(!yscd.standardOutput.contains("client-cert"))
        #expect(yscd.standardError.contains("without --api-key-file or --client-ca"))
        #expect(try net.status("/v1/scan", clientCertificate: net.clientCertificate) == "401")
    }

    /// The appliance end to end: swaks → mailsecd (explicit SMTP mode, on the host's loopback) →
    /// Postfix, with mailsecd presenting its client certificate to yscd in the namespace. A
    /// forwarder (socat, one `ip netns exec` per connection) carries the TLS connection from
    /// 127.0.0.1 into the namespace unchanged, so yscd sees a client on its network address and
    /// applies its network policy. With the right certificate the licence activates and GTUBE
    /// arrives tagged; with the impostor's the handshake fails, the licence never activates
    /// and the message gets the unavailable policy's tempfail (451), nothing delivered.
    @Test(arguments: [true, false])
    func theApplianceScansWithItsClientCertificate(rightCertificate: Bool) throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: nil, clientCA: net.clientCA, alsoLoopbackNames: true)
        let credential = try rightCertificate ? net.clientCertificate : Self.roguePKI(net)

        let bridgePort = TCPPort.free()
        let bridge = try ManagedProcess("/usr/bin/socat", [
            "TCP-LISTEN:\(bridgePort),bind=127.0.0.1,reuseaddr,fork",
            "EXEC:\(ScanServiceAPIKeyTests.ip) netns exec \(net.namespace) /usr/bin/socat STDIO "
                + "TCP\\:\(ScanServiceAPIKeyTests.address)\\:\(ScanServiceAPIKeyTests.port)",
        ], directory: net.dir.url, ownProcessGroup: true)
        defer { bridge.stopGroup() }
        let postfix = try PostfixInstance()
        try postfix.start()
        defer { postfix.stop() }
        #expect(waitUntil { TCPPort.isListening(bridgePort) }, "\(bridge.standardError)")

        let config = net.dir.path("mailsec.conf")
        try "mail security use on\nysc url https://127.0.0.1:\(bridgePort)/\n".write(toFile: config, atomically: true, encoding: .utf8)
        let control = net.dir.path("ctl.sock")
        let proxyPort = TCPPort.free()
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"), [
            "--config", config, "--control", control, "--syslog-socket", net.dir.path("no-syslog"),
            "--ysc-ca", net.caBundle, "--serial", "E2E-0001", "--spool", net.dir.path("spool"),
            "--smtp-listen", "127.0.0.1:\(proxyPort)", "--smtp-upstream", "127.0.0.1:\(postfix.port)",
            "--ysc-client-cert", credential.certificate, "--ysc-client-key", credential.key,
        ], directory: net.dir.url)
        defer { daemon.stop() }
        #expect(waitUntil(timeout: 20) { TCPPort.isListening(proxyPort) }, "\(daemon.standardError)")
        func console(_ command: String) -> String {
            (try? runCommand(ProductBinary.path("mailsec"), ["--control", control, command]).stdout) ?? ""
        }

        let mailbox = postfix.mailbox("bob@example.com")
        let message = Data("From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: offer\r\n\r\n\(Self.gtube)\r\n".utf8)
        if rightCertificate {
            #expect(waitUntil(timeout: 20) { console("show status mail security").contains("License                       active") },
                    "\(console("show status mail security"))\n\(yscd.standardError)")
            let sent = try Swaks.send(port: proxyPort, from: "alice@example.com", to: ["bob@example.com"], data: message, timeout: 60)
            #expect(sent.accepted, "\(sent.transcript)")
            let files = try postfix.waitForMessages(for: "bob@example.com", count: 1, timeout: 20)
            let content = String(decoding: PostfixInstance.splitDelivered(try postfix.readMessage(files[0])).content, as: UTF8.self)
            #expect(content.contains("\nSubject: [SPAM] offer\n"), "\(content)")
            #expect(yscd.standardError.contains("POST /v1/scan 200"))
            #expect(yscd.standardError.contains("POST /v1/license/activate 200"))
        } else {
            // Give the licence activation time to fail (it goes out at start).
            Thread.sleep(forTimeInterval: 3)
            #expect(!console("show status mail security").contains("License                       active"))
            let sent = try Swaks.send(port: proxyPort, from: "alice@example.com", to: ["bob@example.com"], data: message, timeout: 60)
            #expect(!sent.accepted)
            #expect(sent.transcript.contains("451 4.7.1 "), "\(sent.transcript)")
            // Nothing arrives: a marker sent straight to Postfix afterwards is the only message.
            let marker = Data("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: marker\r\n\r\nmarker\r\n".utf8)
            #expect(try Swaks.send(port: postfix.port, from: "alice@example.com", to: ["bob@example.com"], data: marker).accepted)
            let files = try postfix.waitForMessages(for: "bob@example.com", count: 1, timeout: 20)
            #expect(files.count == 1)
            #expect(mailbox.messages().count == 1)
            // The impostor reached yscd (through the forwarder) and was turned away in the
            // handshake: never as far as an HTTP request.
            #expect(waitUntil(timeout: 5) { yscd.standardError.contains("CERTIFICATE_VERIFY_FAILED") }, "\(yscd.standardError)")
            #expect(!yscd.standardError.contains("POST /v1/scan"))
            #expect(!yscd.standardError.contains("POST /v1/license/activate"))
        }
        // Neither the certificate's key nor its path turns up in the configuration.
        #expect(!console("show config").contains(credential.key))
    }
}
