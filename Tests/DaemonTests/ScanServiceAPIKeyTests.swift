import Foundation
import Testing
import TestSupport

/// yscd on a non-loopback address (203.0.113.10, in a network namespace of the test's own):
/// scan and licence requests need the API key; the appliance sends it (docs/ysc-protocol.md,
/// Authentication; docs/reliability.md, Management plane).
@Suite(.serialized) struct ScanServiceAPIKeyTests {
    static let ip = "/usr/sbin/ip"
    static let address = "203.0.113.10"
    static let port = 8443
    static let key = "k3y-for-the-appliance-0123456789"

    /// A namespace with 203.0.113.10 on its loopback interface, a PKI whose server certificate
    /// names that address, and the key files. Removed (namespace, processes, files) by `stop()`.
    final class Network {
        let namespace = "msh-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        let dir: TemporaryDirectory
        var processes: [ManagedProcess] = []

        init() throws {
            dir = try TemporaryDirectory(prefix: "ysc-key")
            try run(ip, ["netns", "add", namespace])
            try run(ip, ["-n", namespace, "link", "set", "lo", "up"])
            try run(ip, ["-n", namespace, "addr", "add", "\(address)/32", "dev", "lo"])
            let pki = dir.path("pki")
            try run("/bin/sh", [ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, pki])
            // A server certificate for the namespace's address, from the same CA.
            try run("/usr/bin/openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                         "-keyout", dir.path("net.key"), "-out", dir.path("net.csr"), "-subj", "/CN=ysc"])
            try "subjectAltName=IP:\(address)\nextendedKeyUsage=serverAuth\n".write(toFile: dir.path("net.ext"), atomically: true, encoding: .utf8)
            try run("/usr/bin/openssl", ["x509", "-req", "-in", dir.path("net.csr"), "-CA", pki + "/ca.pem", "-CAkey", pki + "/ca.key",
                                         "-out", dir.path("net.pem"), "-days", "2", "-extfile", dir.path("net.ext")])
            try "\(key)\n".write(toFile: dir.path("api.key"), atomically: true, encoding: .utf8)
            try "not-the-key\n".write(toFile: dir.path("wrong.key"), atomically: true, encoding: .utf8)
        }

        var caBundle: String { dir.path("pki/ca.pem") }
        /// The client CA yscd trusts with `--client-ca`, and the appliance's certificate from it.
        var clientCA: String { dir.path("pki/client-ca.pem") }
        var clientCertificate: (certificate: String, key: String) { (dir.path("pki/client.pem"), dir.path("pki/client.key")) }

        @discardableResult
        func run(_ executable: String, _ arguments: [String]) throws -> String {
            let result = try runCommand(executable, arguments)
            guard result.status == 0 else { throw TestFailure("\(executable) \(arguments): \(result.stderr)") }
            return result.stdout
        }

        /// A process inside the namespace (`ip netns exec` execs it: the PID is the process's own).
        func start(_ executable: String, _ arguments: [String]) throws -> ManagedProcess {
            let process = try ManagedProcess(ip, ["netns", "exec", namespace, executable] + arguments, directory: dir.url)
            processes.append(process)
            return process
        }

        /// `alsoLoopbackNames`: serve make-pki.sh's server certificate, which names 127.0.0.1 as
        /// well as 203.0.113.10, for a client that reaches the service through a forwarder on
        /// the host's loopback.
        func startScanService(apiKeyFile: String?, clientCA: String? = nil, alsoLoopbackNames: Bool = false) throws -> ManagedProcess {
            let (certificate, key) = alsoLoopbackNames ? (dir.path("pki/server.pem"), dir.path("pki/server.key"))
                                                       : (dir.path("net.pem"), dir.path("net.key"))
            var arguments = ["--listen", "\(address):\(port)", "--cert", certificate, "--key", key]
            if let apiKeyFile { arguments += ["--api-key-file", apiKeyFile] }
            if let clientCA { arguments += ["--client-ca", clientCA] }
            let yscd = try start(ProductBinary.path("yscd"), arguments)
            guard waitUntil(timeout: 30, { yscd.standardOutput.contains("yscd: ready") || !yscd.isRunning }), yscd.isRunning else {
                throw TestFailure("yscd did not start: \(yscd.standardError)")
            }
            return yscd
        }

        /// The HTTP status of a request made with curl from inside the namespace.
        func status(_ path: String, headers: [String] = [], body: String? = "Subject: hi\r\n\r\nhello\r\n",
                    clientCertificate: (certificate: String, key: String)? = nil) throws -> String {
            try request(path, headers: headers, body: body, clientCertificate: clientCertificate).stdout
        }

        /// curl from inside the namespace: its exit status, the HTTP status on standard output
        /// (`000` when there was no HTTP exchange), its error on standard error.
        /// `curlOptions`: more curl options (e.g. `--tls-max 1.2`).
        func request(_ path: String, headers: [String] = [], body: String? = "Subject: hi\r\n\r\nhello\r\n",
                     clientCertificate: (certificate: String, key: String)? = nil,
                     curlOptions: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
            var arguments = ["netns", "exec", namespace, "/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                             "--max-time", "20", "--cacert", caBundle] + curlOptions
            if let clientCertificate { arguments += ["--cert", clientCertificate.certificate, "--key", clientCertificate.key] }
            for header in headers { arguments += ["-H", header] }
            if let body {
                arguments += ["-H", "Content-Type: message/rfc822", "-H", "X-Operation: send", "--data-binary", body]
            }
            arguments.append("https://\(address):\(port)\(path)")
            return try runCommand(ip, arguments)
        }

        func stop() {
            for process in processes.reversed() { process.stop() }
            processes.removeAll()
            _ = try? runCommand(ip, ["netns", "del", namespace])
        }

        deinit { stop() }
    }

    @Test func requestsWithoutTheRightKeyGet401() throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: net.dir.path("api.key"))
        #expect(yscd.standardOutput.contains("api-key=required"))
        #expect(try net.status("/v1/scan") == "401")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer not-the-key"]) == "401")
        #expect(try net.status("/v1/scan", headers: ["X-API-Key: \(Self.key)x"]) == "401")
        #expect(try net.status("/v1/license/activate", body: #"{"serial":"S1","product":"mail-security"}"#) == "401")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer \(Self.key)"]) == "200")
        #expect(try net.status("/v1/scan", headers: ["X-API-Key: \(Self.key)"]) == "200")
        // Health stays open: it tells nothing but that the service is up.
        #expect(try net.status("/v1/health", body: nil) == "200")
    }

    @Test func withoutAKeyFileANetworkAddressServesNoScans() throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: nil)
        #expect(yscd.standardOutput.contains("api-key=missing"))
        #expect(try net.status("/v1/scan") == "401")
        #expect(try net.status("/v1/scan", headers: ["Authorization: Bearer anything"]) == "401")
    }

    /// The appliance's own client (libcurl in mailsecd): its licence activation gets through
    /// with `--ysc-api-key-file`, and does not with a wrong key.
    @Test(arguments: [true, false])
    func theApplianceSendsItsKey(rightKey: Bool) throws {
        let net = try Network()
        defer { net.stop() }
        let yscd = try net.startScanService(apiKeyFile: net.dir.path("api.key"))
        let config = net.dir.path("mailsec.conf")
        try "mail security use on\nysc url https://\(Self.address):\(Self.port)/\n".write(toFile: config, atomically: true, encoding: .utf8)
        let control = net.dir.path("ctl.sock")
        let daemon = try net.start(ProductBinary.path("mailsecd"), [
            "--config", config, "--control", control, "--syslog-socket", net.dir.path("no-syslog"),
            "--ysc-ca", net.caBundle, "--serial", "E2E-0001",
            "--ysc-api-key-file", net.dir.path(rightKey ? "api.key" : "wrong.key"),
        ])
        #expect(waitUntil { FileManager.default.fileExists(atPath: control) }, "\(daemon.standardError)")
        func status() -> String {
            (try? runCommand(ProductBinary.path("mailsec"), ["--control", control, "show status mail security"]).stdout) ?? ""
        }
        if rightKey {
            #expect(waitUntil(timeout: 20) { status().contains("License                       active") }, "\(status())")
            #expect(yscd.standardError.contains("POST /v1/license/activate 200"))
        } else {
            #expect(waitUntil(timeout: 20) { yscd.standardError.contains("POST /v1/license/activate 401") })
            #expect(!status().contains("License                       active"))
        }
        // The key never shows in the configuration or the daemon's output.
        let shown = try runCommand(ProductBinary.path("mailsec"), ["--control", control, "show config"]).stdout
        #expect(!shown.contains(Self.key))
        #expect(!daemon.standardError.contains(Self.key))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
