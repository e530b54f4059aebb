import Foundation
import TestSupport

/// A CA and a server certificate for 127.0.0.1 made with the openssl tool, plus a second CA
/// that signed nothing (to prove an untrusted certificate is refused).
struct TestPKI {
    let caBundle: String
    let otherCABundle: String
    let serverCertificate: String
    let serverKey: String

    init(in directory: TemporaryDirectory) throws {
        func openssl(_ arguments: [String]) throws {
            let result = try runCommand("/usr/bin/openssl", arguments)
            guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(result.stderr)") }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        caBundle = directory.path("ca.pem")
        otherCABundle = directory.path("other-ca.pem")
        serverCertificate = directory.path("server.pem")
        serverKey = directory.path("server.key")
        try openssl(["req", "-x509"] + ec + ["-keyout", directory.path("ca.key"), "-out", caBundle,
                                              "-days", "2", "-subj", "/CN=Test YSC CA"])
        try openssl(["req", "-x509"] + ec + ["-keyout", directory.path("other-ca.key"), "-out", otherCABundle,
                                              "-days", "2", "-subj", "/CN=Unrelated CA"])
        try openssl(["req"] + ec + ["-keyout", serverKey, "-out", directory.path("server.csr"), "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: directory.path("san.cnf"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", directory.path("server.csr"), "-CA", caBundle, "-CAkey", directory.path("ca.key"),
                     "-CAcreateserial", "-out", serverCertificate, "-days", "2", "-extfile", directory.path("san.cnf")])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
