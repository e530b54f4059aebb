import Foundation
import NIOSSL
import X509

/// The real certificate and key of a server the office owns (its own MX or POP3 server),
/// shown to clients connecting to that server instead of a re-signed leaf, so senders that pin
/// the certificate (DANE, RFC 7672) or check it against a policy (MTA-STS, RFC 8461) keep
/// delivering (`mail security tls server-certificate`, docs/tls.md).
public struct OwnServerCertificate: Sendable {
    /// The chain as the file holds it, server certificate first.
    public let certificateChain: [Certificate]
    public let nioCertificateChain: [NIOSSLCertificate]
    public let nioPrivateKey: NIOSSLPrivateKey

    /// What `TLSConfiguration.sslContextCallback` completes its promise with.
    public var configurationOverride: NIOSSLContextConfigurationOverride {
        .presenting(nioCertificateChain, key: nioPrivateKey)
    }

    /// Reads the PEM files and checks that the key belongs to the first certificate, so a
    /// mismatched pair is reported when it is configured, not at the first client's handshake.
    /// Blocking: at start, or off the event loops when the setting changes.
    public static func load(certificatePath: String, keyPath: String) throws -> OwnServerCertificate {
        let chain = try TrustAnchors.load(path: certificatePath)
        guard let first = chain.first else { throw SiteAuthorityError.malformed(certificatePath) }
        let keyText = String(decoding: try AtomicFile.read(keyPath), as: UTF8.self)
        guard let key = try? Certificate.PrivateKey(pemEncoded: keyText) else { throw SiteAuthorityError.malformed(keyPath) }
        guard key.publicKey == first.publicKey else { throw SiteAuthorityError.keyMismatch(keyPath) }
        let nioChain = try chain.map { try NIOSSLCertificate(bytes: $0.derBytes(), format: .der) }
        let nioKey = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        return OwnServerCertificate(certificateChain: chain, nioCertificateChain: nioChain, nioPrivateKey: nioKey)
    }
}
