import Foundation
import ScanClient
import TestSupport

/// The scan service's PKI made by the firmware's own script (firmware/make-pki.sh), plus a
/// second CA that signed nothing, to prove an untrusted certificate is refused.
struct TestPKI {
    let caBundle: String
    let otherCABundle: String
    let serverCertificate: String
    let serverKey: String
    /// The client CA (yscd `--client-ca`) and the appliance's client certificate from it.
    let clientCA: String
    let clientCertificate: ScanClientCertificate

    init(in directory: TemporaryDirectory) throws {
        let pki = directory.path("pki")
        let script = ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path
        let made = try runCommand("/bin/sh", [script, pki])
        guard made.status == 0 else { throw TestFailure("make-pki.sh: \(made.stderr)") }
        caBundle = pki + "/ca.pem"
        serverCertificate = pki + "/server.pem"
        serverKey = pki + "/server.key"
        clientCA = pki + "/client-ca.pem"
        clientCertificate = ScanClientCertificate(certificatePath: pki + "/client.pem", keyPath: pki + "/client.key")

        otherCABundle = directory.path("other-ca.pem")
        let other = try runCommand("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory.path("other-ca.key"), "-out", otherCABundle, "-days", "2", "-subj", "/CN=Unrelated CA",
        ])
        guard other.status == 0 else { throw TestFailure("openssl: \(other.stderr)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
