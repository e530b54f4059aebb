import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A leaf certificate the appliance made for one upstream identity, with its key, ready for
/// NIOSSL: the session answers the client's ClientHello with `configurationOverride` from
/// `TLSConfiguration.sslContextCallback`.
public struct MintedLeaf: Sendable {
    public let identity: LeafIdentity
    /// Signed by the site CA (true) or the untrusted CA (false).
    public let trusted: Bool
    public let certificate: Certificate
    /// The CA that signed it, sent after it so a client's error names the issuer.
    public let issuer: Certificate
    public let notValidBefore: Date
    public let notValidAfter: Date
    let privateKey: P256.Signing.PrivateKey
    /// The leaf and its issuer in NIOSSL's types, converted once when minted.
    public let nioCertificateChain: [NIOSSLCertificate]
    public let nioPrivateKey: NIOSSLPrivateKey

    /// What `TLSConfiguration.sslContextCallback` completes its promise with.
    public var configurationOverride: NIOSSLContextConfigurationOverride {
        .presenting(nioCertificateChain, key: nioPrivateKey)
    }

    /// The leaf first, then its issuer.
    public var certificateChain: [Certificate] { [certificate, issuer] }

    /// Signs a new leaf for `identity` with `authority`: a fresh P-256 key (one per leaf: a
    /// key costs microseconds, the cache keeps the leaf, and no two identities share a key),
    /// EKU serverAuth, CA:false, the dates of `LeafPolicy`.
    static func mint(identity: LeafIdentity, authority: SigningAuthority, trusted: Bool,
                     upstreamNotAfter: Date?, now: Date) throws -> MintedLeaf {
        let key = P256.Signing.PrivateKey()
        let (notBefore, notAfter) = LeafPolicy.validity(now: now, upstreamNotAfter: upstreamNotAfter, trusted: trusted)
        let subject = try DistinguishedName {
            if let commonName = identity.commonName { CommonName(commonName) }
        }
        var names: [GeneralName] = identity.dnsNames.map { .dnsName($0) }
        names += identity.ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyID = (try? authority.certificate.extensions.subjectKeyIdentifier)?.keyIdentifier
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: authority.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
                // An empty subject makes the subjectAltName critical (RFC 5280 §4.2.1.6); an
                // identity without names (an upstream certificate naming nothing) gets none.
                if !names.isEmpty {
                    if identity.commonName == nil {
                        Critical(SubjectAlternativeNames(names))
                    } else {
                        SubjectAlternativeNames(names)
                    }
                }
            },
            issuerPrivateKey: .init(authority.privateKey))
        let chain = try [certificate, authority.certificate].map { try NIOSSLCertificate(bytes: $0.derBytes(), format: .der) }
        let nioKey = try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        return MintedLeaf(identity: identity, trusted: trusted, certificate: certificate, issuer: authority.certificate,
                          notValidBefore: notBefore, notValidAfter: notAfter, privateKey: key,
                          nioCertificateChain: chain, nioPrivateKey: nioKey)
    }
}

extension Certificate {
    /// The DER encoding.
    func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }
}
