/// What the appliance does with encrypted mail of one protocol (`mail security tls smtp`,
/// `mail security tls pop`; docs/tls.md, "Modes").
public enum TLSMode: String, CaseIterable, Sendable {
    /// Terminate TLS on both halves and scan inside (STARTTLS/STLS offered, implicit-TLS ports intercepted).
    case inspect
    /// Relay the encrypted session untouched, counted as not inspected.
    case pass
    /// STARTTLS/STLS not offered, implicit-TLS ports refused: the behaviour before TLS inspection.
    case block
}

/// What happens when the upstream server's certificate fails verification
/// (`mail security tls upstream-invalid`; docs/tls.md, "Upstream verification").
public enum TLSUpstreamInvalidAction: String, CaseIterable, Sendable {
    /// Re-sign with the untrusted CA: a client that verifies sees the failure, one that does not
    /// still gets its mail scanned.
    case untrustedCA = "untrusted-ca"
    /// Close the session.
    case refuse
}
