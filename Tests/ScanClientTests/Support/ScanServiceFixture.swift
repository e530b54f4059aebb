import Foundation
import TestSupport

/// A scan service on 127.0.0.1 over HTTPS, started by a test and stopped by its PID.
final class ScanServiceFixture: @unchecked Sendable {
    struct Faults {
        var latencyMilliseconds = 0
        var status = 0
        var garbage = false
        var dropConnections = false
        var maxMessageBytes = 10 * 1024 * 1024
        var licenseExpires = "2099-12-31"
    }

    let directory: TemporaryDirectory
    let pki: TestPKI
    let port: Int
    private var process: ManagedProcess?

    var url: String { "https://127.0.0.1:\(port)/" }

    init(faults: Faults = Faults()) throws {
        directory = try TemporaryDirectory(prefix: "ysc-client")
        pki = try TestPKI(in: directory)
        port = TCPPort.free()
        try FakeScanServiceScript.source.write(toFile: directory.path("ysc.py"), atomically: true, encoding: .utf8)
        try start(faults: faults)
    }

    /// (Re)starts the service on the same port with other faults.
    func start(faults: Faults) throws {
        stop()
        let arguments = [
            directory.path("ysc.py"), "port=\(port)", "cert=\(pki.serverCertificate)", "key=\(pki.serverKey)",
            "latency=\(faults.latencyMilliseconds)", "status=\(faults.status)", "garbage=\(faults.garbage ? 1 : 0)",
            "drop=\(faults.dropConnections ? 1 : 0)", "max=\(faults.maxMessageBytes)", "expires=\(faults.licenseExpires)",
        ]
        let process = try ManagedProcess("/usr/bin/python3", arguments, directory: directory.url)
        self.process = process
        guard waitUntil(timeout: 20, { TCPPort.isListening(port) }) else {
            throw TestFailure("scan service did not start: \(process.standardError)")
        }
    }

    func stop() {
        // Short grace: the server dies on SIGTERM at once; the wait only bounds the reaping.
        process?.stop(timeout: 1)
        process = nil
    }

    deinit { stop() }
}
