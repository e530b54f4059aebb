/// What verifying the upstream server's certificate found (docs/tls.md, "Upstream verification").
public enum UpstreamVerdict: Equatable, Hashable, Sendable {
    /// The chain leads to a trusted root, every certificate is valid now, and the name matches
    /// the client's SNI (when it sent one).
    case trusted
    /// Anything else: the leaf is re-signed by the untrusted CA or the session refused, by
    /// `mail security tls upstream-invalid`.
    case untrusted(UpstreamFailure)

    public var isTrusted: Bool { self == .trusted }
}

/// Why an upstream certificate did not verify; the names are those of the counters and log lines.
public enum UpstreamFailure: String, Equatable, Hashable, Sendable, CaseIterable {
    /// A certificate of the chain is past its notAfter.
    case expired
    /// A certificate of the chain is before its notBefore (or the box's clock is wrong).
    case notYetValid = "not-yet-valid"
    /// The leaf signs itself and is not among the trust anchors.
    case selfSigned = "self-signed"
    /// No path from the leaf to a trust anchor (a private CA not added with
    /// `mail security tls upstream-ca`, a missing intermediate, a CA flag missing).
    case unknownIssuer = "unknown-issuer"
    /// The chain is good but the certificate does not name the server the client asked for (SNI).
    case nameMismatch = "name-mismatch"
    /// No certificate, too many, or bytes that are not a certificate.
    case malformed
}
