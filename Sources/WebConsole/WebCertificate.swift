import Crypto
import Foundation
import NIOSSL
import X509

/// The web console's own certificate and key, generated on the box at its first start (never
/// shipped): a P-256 key and a self-signed certificate for the host name, kept in the state
/// directory (key mode 0600) and reused at every later start.
public enum WebCertificate {
    public static let certificateFile = "web-console.crt"
    public static let keyFile = "web-console.key"

    /// The TLS configuration from the state directory, generating the pair first when absent.
    /// Blocking file I/O: called once at start, before any event loop serves a request.
    public static func serverConfiguration(stateDirectory: String, hostName: String,
                                           now: Date = Date()) throws -> (TLSConfiguration, generated: Bool) {
        let certificatePath = stateDirectory + "/" + certificateFile
        let keyPath = stateDirectory + "/" + keyFile
        var generated = false
        if !FileManager.default.fileExists(atPath: certificatePath) || !FileManager.default.fileExists(atPath: keyPath) {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let (certificatePEM, keyPEM) = try generate(hostName: hostName, now: now)
            try write(keyPEM, to: keyPath, mode: 0o600)
            try write(certificatePEM, to: certificatePath, mode: 0o644)
            generated = true
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return (configuration, generated)
    }

    /// A fresh key and a self-signed certificate (PEM texts).
    public static func generate(hostName: String, now: Date) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Mail security appliance")
            CommonName(hostName)
        }
        let names: [GeneralName] = Array(Set([hostName, "localhost"])).sorted().map { .dnsName($0) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(Double(WebConsoleLimits.certificateDays) * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// Written to a temporary file with its final mode, then renamed: a key is never readable
    /// by others, not even for a moment, and a crash leaves no half-written file.
    static func write(_ text: String, to path: String, mode: Int) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        try handle.close()
        if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}
