import Crypto
import Foundation
import SwiftASN1
import X509

/// One certificate authority of the appliance: its certificate and its private key. The box has
/// two (`SiteAuthority`): the site CA, which the office's clients trust, and the untrusted CA,
/// which they never trust, for upstream servers whose certificate failed verification.
public struct SigningAuthority: Sendable {
    /// Which of the two CAs this is.
    public enum Role: String, Sendable, CaseIterable {
        /// Signs leaves for upstream servers whose certificate verified.
        case site
        /// Signs leaves for upstream servers whose certificate did not verify, so that a client
        /// that checks certificates sees the failure instead of a certificate it trusts.
        case untrusted
    }

    public let role: Role
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey

    init(role: Role, certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.role = role
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// The certificate as PEM, for `show mail security tls ca` and the web console's download.
    public var certificatePEM: String {
        (try? certificate.serializeAsPEM().pemString) ?? ""
    }

    /// The certificate's DER encoding.
    public var certificateDER: [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// SHA-256 of the DER certificate as colon-separated upper-case hex pairs, the form
    /// Windows, macOS and Firefox show beside a certificate, so an administrator can compare.
    public var sha256Fingerprint: String {
        SHA256.hash(data: certificateDER).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// The subject as text (`CN=…,O=…`).
    public var subjectDescription: String { String(describing: certificate.subject) }

    /// When the CA itself expires (about ten years after the box generated it).
    public var notValidAfter: Date { certificate.notValidAfter }

    /// A new CA: P-256 key, self-signed, CA:true with pathLen 0 (it signs leaves only),
    /// keyCertSign and cRLSign, `TLSInterceptionLimits.authorityLifetime`. Its name carries
    /// random bytes so two boxes' CAs differ even in their subjects.
    static func generate(role: Role, now: Date) throws -> SigningAuthority {
        let key = P256.Signing.PrivateKey()
        let id = (0..<TLSInterceptionLimits.authorityIDBytes).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
        let name = try DistinguishedName {
            OrganizationName("Mail Security Appliance")
            switch role {
            case .site:
                OrganizationalUnitName("Encrypted mail inspection")
                CommonName("Mail Security Appliance Site CA \(id)")
            case .untrusted:
                OrganizationalUnitName("Upstream certificate failed verification - do not trust")
                CommonName("Mail Security Appliance Untrusted Upstream CA \(id)")
            }
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-TLSInterceptionLimits.clockSkewAllowance),
            notValidAfter: now.addingTimeInterval(TLSInterceptionLimits.authorityLifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: .init(key))
        return SigningAuthority(role: role, certificate: certificate, privateKey: key)
    }

    /// Reads a CA back from its PEM texts, checking that the key belongs to the certificate.
    static func load(role: Role, certificatePEM: String, keyPEM: String, path: String) throws -> SigningAuthority {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else { throw SiteAuthorityError.malformed(path + ".pem") }
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM) else { throw SiteAuthorityError.malformed(path + ".key") }
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else { throw SiteAuthorityError.keyMismatch(path + ".key") }
        return SigningAuthority(role: role, certificate: certificate, privateKey: key)
    }
}
