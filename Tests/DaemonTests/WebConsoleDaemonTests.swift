import Foundation
import Testing
import TestSupport

/// mailsecd's web console as a real process: `httpd host` / `httpd listen` from the
/// configuration, the certificate generated at the first start in `--state-dir` and reused at
/// the next, login required when a password is set, and a SIGTERM that still stops it cleanly.
@Suite struct WebConsoleDaemonTests {
    let mailsecd = ProductBinary.path("mailsecd")

    private func start(_ dir: TemporaryDirectory) throws -> ManagedProcess {
        let socket = dir.path("ctl.sock")
        try? FileManager.default.removeItem(atPath: socket)
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", socket,
                                                   "--syslog-socket", dir.path("no-syslog"), "--state-dir", dir.path("state"),
                                                   "--interception", "off", "--serial", "WC-TEST"], directory: dir.url)
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) }, "daemon did not start: \(daemon.standardError)")
        return daemon
    }

    private func curl(_ port: Int, _ path: String, _ extra: [String] = []) throws -> String {
        try runCommand("/usr/bin/curl", ["-sk", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"]
                       + extra + ["https://127.0.0.1:\(port)\(path)"]).stdout
    }

    @Test func servesOnHttpdListenWithItsOwnCertificateKeptAcrossRestarts() throws {
        let dir = try TemporaryDirectory()
        let port = TCPPort.free()
        try "httpd host any\nhttpd listen \(port)\nadministrator password \"wc pass\"\n"
            .write(toFile: dir.path("mailsec.conf"), atomically: true, encoding: .utf8)
        var daemon = try start(dir)
        #expect(waitUntil { TCPPort.isListening(port) }, "no web console: \(daemon.standardError)")
        #expect(try curl(port, "/") == "303 https://127.0.0.1:\(port)/login")
        #expect(try curl(port, "/metrics").hasPrefix("401"))
        #expect(try curl(port, "/metrics", ["-u", "prometheus:wc pass"]).hasPrefix("200"))
        let key = dir.path("state/web-console.key")
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        let certificate = try String(contentsOfFile: dir.path("state/web-console.crt"), encoding: .utf8)
        #expect(certificate.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(daemon.stop(signal: SIGTERM) == 0)

        daemon = try start(dir)
        defer { daemon.stop() }
        #expect(waitUntil { TCPPort.isListening(port) })
        #expect(try String(contentsOfFile: dir.path("state/web-console.crt"), encoding: .utf8) == certificate)
        #expect(!daemon.standardError.contains("certificate generated"))
    }

    @Test func withoutHttpdHostNothingIsServed() throws {
        let dir = try TemporaryDirectory()
        let port = TCPPort.free()
        try "httpd listen \(port)\n".write(toFile: dir.path("mailsec.conf"), atomically: true, encoding: .utf8)
        let daemon = try start(dir)
        defer { daemon.stop() }
        Thread.sleep(forTimeInterval: 1)
        #expect(!TCPPort.isListening(port))
        // The web console made no certificate (the state directory holds the site CA of
        // docs/tls.md, made at every first start, and nothing of the web console's).
        #expect(!FileManager.default.fileExists(atPath: dir.path("state/web-console.crt")))
        #expect(!FileManager.default.fileExists(atPath: dir.path("state/web-console.key")))
    }
}
