import Crypto
import Foundation
import SwiftASN1
@testable import TLSInterception
import X509

/// Certificates for tests, made with the same libraries as the product: a CA that stands in for
/// a public one, and server leaves with chosen names and dates. Names under example.com only.
struct TestPKI {
    let caKey = P256.Signing.PrivateKey()
    let caCertificate: Certificate
    let caName: DistinguishedName

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    init(name: String = "Test Root CA", now: Date = TestPKI.now) throws {
        caName = try DistinguishedName { OrganizationName("Example Test PKI"); CommonName(name) }
        let publicKey = Certificate.PublicKey(caKey.publicKey)
        caCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now - 365 * Self.day, notValidAfter: now + 3_650 * Self.day,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: .init(caKey))
    }

    /// A server certificate signed by this CA.
    func leaf(commonName: String = "mail.example.com", dnsNames: [String] = ["mail.example.com"],
              notBefore: Date = TestPKI.now - 30 * TestPKI.day, notAfter: Date = TestPKI.now + 60 * TestPKI.day) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: try DistinguishedName { CommonName(commonName) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                if !dnsNames.isEmpty { SubjectAlternativeNames(dnsNames.map { .dnsName($0) }) }
            },
            issuerPrivateKey: .init(caKey))
    }

    /// A certificate that signs itself, as a server set up without any CA presents.
    static func selfSigned(name: String = "mail.example.com") throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - day, notValidAfter: now + 365 * day,
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName(name)]) },
            issuerPrivateKey: .init(key))
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString
    }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tlsinterception-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func mode(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + relative)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = TestPKI.now) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}
