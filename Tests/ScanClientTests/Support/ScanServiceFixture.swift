import Foundation
import TestSupport

/// The real bundled scan service (`yscd`) on 127.0.0.1 over HTTPS, started by a test with its
/// fault switches, and stopped by its PID.
final class ScanServiceFixture: @unchecked Sendable {
    struct Faults {
        var latencyMilliseconds: Int?
        var status: Int?
        var garbage = false
        var dropConnections = false
        var maxBody: Int?
        /// yscd `--api-key-file` with this key: requests must carry it, loopback or not.
        var apiKey: String?
        /// yscd `--client-ca` with the PKI's client CA: its client certificate stands in for the key.
        var clientCA = false
    }

    /// The licences this service grants (yscd `--licenses`): S0001 expires in the tests' near
    /// future, S0002 far away, S0003 expired long ago (yscd answers `expired`), S0004 is for
    /// another product (`inactive`); any other serial is unknown (404).
    static let licenses = """
    S0001 mail-security 2027-03-31
    S0002 mail-security 2099-12-31
    S0003 mail-security 2020-01-31
    S0004 other-product 2099-12-31
    """

    let directory: TemporaryDirectory
    let pki: TestPKI
    let port: Int
    private var process: ManagedProcess?

    var url: String { "https://127.0.0.1:\(port)/" }

    init(faults: Faults = Faults()) throws {
        directory = try TemporaryDirectory(prefix: "ysc-client")
        pki = try TestPKI(in: directory)
        port = TCPPort.free()
        try Self.licenses.write(toFile: directory.path("licenses"), atomically: true, encoding: .utf8)
        try start(faults: faults)
    }

    /// (Re)starts the service on the same port with other faults.
    func start(faults: Faults) throws {
        stop()
        var arguments = ["--listen", "127.0.0.1:\(port)", "--cert", pki.serverCertificate, "--key", pki.serverKey,
                         "--licenses", directory.path("licenses")]
        if let latency = faults.latencyMilliseconds { arguments += ["--inject-latency", "\(latency)"] }
        if let status = faults.status { arguments += ["--inject-status", "\(status)"] }
        if faults.garbage { arguments.append("--inject-garbage") }
        if faults.dropConnections { arguments.append("--drop-connections") }
        if let maxBody = faults.maxBody { arguments += ["--max-body", "\(maxBody)"] }
        if let apiKey = faults.apiKey {
            try (apiKey + "\n").write(toFile: directory.path("api.key"), atomically: true, encoding: .utf8)
            arguments += ["--api-key-file", directory.path("api.key")]
        }
        if faults.clientCA { arguments += ["--client-ca", pki.clientCA] }
        let process = try ManagedProcess(ProductBinary.path("yscd"), arguments, directory: directory.url)
        self.process = process
        // yscd prints its ready line once it listens (written unbuffered).
        guard waitUntil(timeout: 30, { process.standardOutput.contains("yscd: ready") || !process.isRunning }),
              process.isRunning
        else {
            throw TestFailure("yscd did not start: \(process.standardError)")
        }
    }

    func stop() {
        // Short grace: yscd exits on SIGTERM at once; the wait only bounds the reaping.
        process?.stop(timeout: 1)
        process = nil
    }

    deinit { stop() }
}
