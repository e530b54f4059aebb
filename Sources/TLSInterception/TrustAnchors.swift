import SwiftASN1
import X509

/// PEM bundles of trust anchors: the system's (`/etc/ssl/certs/ca-certificates.crt` on Debian)
/// and the administrator's own (`mailsecd --tls-upstream-ca FILE`, `mail security tls upstream-ca`).
public enum TrustAnchors {
    /// Debian's bundle of the Mozilla roots (package ca-certificates).
    public static let systemBundlePath = "/etc/ssl/certs/ca-certificates.crt"

    /// Every `CERTIFICATE` block of a PEM text. Other blocks (keys, parameters) are skipped; a
    /// certificate block that does not parse makes the whole file malformed, since the
    /// administrator would not know which anchor was dropped.
    public static func certificates(fromPEM text: String) throws -> [Certificate] {
        guard let documents = try? PEMDocument.parseMultiple(pemString: text) else { throw SiteAuthorityError.malformed("PEM text") }
        return try documents.filter { $0.discriminator == "CERTIFICATE" }.map { document in
            guard let certificate = try? Certificate(derEncoded: document.derBytes) else { throw SiteAuthorityError.malformed("PEM text") }
            return certificate
        }
    }

    /// The certificates of a PEM file. Blocking: read once at start or on a configuration change.
    public static func load(path: String) throws -> [Certificate] {
        let text = String(decoding: try AtomicFile.read(path), as: UTF8.self)
        do {
            return try certificates(fromPEM: text)
        } catch {
            throw SiteAuthorityError.malformed(path)
        }
    }

    /// The system bundle, or no anchors when the box has none (then only the administrator's
    /// anchors verify anything, and every other upstream is untrusted: never the reverse).
    public static func loadSystem(path: String = systemBundlePath) -> [Certificate] {
        (try? load(path: path)) ?? []
    }
}
