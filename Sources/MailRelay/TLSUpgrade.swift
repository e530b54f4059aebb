/// What the relay does when a client asks to encrypt the session (SMTP `STARTTLS`, RFC 3207;
/// POP3 `STLS`, RFC 2595), per protocol (docs/tls.md).
public enum TLSPolicy: Hashable, Sendable {
    /// Terminate TLS on both halves: the server half first, then the client half with a
    /// certificate for the server's identity; the relay keeps reading and scanning inside.
    case inspect
    /// Relay the upgrade and everything after it unchanged: encrypted, not inspected, counted.
    case pass
    /// Do not offer the upgrade and refuse it (the session stays in plaintext and is scanned).
    case block
}

/// The relay's news about an upgrade, for counters and syslog (the session adds what only it
/// knows: handshake results, certificate checks).
public enum TLSUpgradeNotice: Equatable, Sendable {
    /// The client asked for TLS under `TLSPolicy.block`; refused.
    case blocked
    /// The upgrade was relayed under `TLSPolicy.pass`: the rest of the session is not inspected.
    case passed
    /// The upgrade was relayed untouched because the server is on the exempt list.
    case exempt
    /// The server refused the upgrade (its answer was relayed; the session goes on in plaintext).
    case serverRefused
    /// Bytes the client sent after its upgrade command and before its handshake: plaintext an
    /// attacker may have injected (RFC 3207 §5, CVE-2011-0411). Discarded, never relayed.
    case plaintextDiscarded(octets: Int)
    /// The server half could not be secured: the client was told to try later, both halves closed.
    case serverHandshakeFailed
}
