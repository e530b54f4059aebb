import MailRelay

/// Things for counters and syslog.
public enum POP3Notice: Equatable, Sendable {
    /// RETR content over `maximumMessageSize`: relayed unscanned (docs/product.md §5, the
    /// `POP3: Mail size is over (SIZE)` line).
    case overSize(message: Int, size: Int)
    /// No decision within the silence budget or `POP3Limits.maximumDecisionWait`: the
    /// unavailable policy applied (`delivered`: relayed unscanned under pass).
    case scanTimedOut(message: Int, delivered: Bool)
    /// The relay had committed to `+OK` (comfort bytes sent) when the answer became a tempfail
    /// (the scan failed, or no decision came within the budget): POP3 cannot take the `+OK`
    /// back, so both sides were closed, the server's without QUIT (RFC 1939 §6: no UPDATE state,
    /// nothing deleted; the client retries). The failure itself is counted as "can't scan" by
    /// the decision (or `scanTimedOut`) that led here.
    case abortedAfterCommitment(message: Int)
    /// A decision would have changed bytes already sent to the client. Impossible when the
    /// configured unavailable policy matches the decision table's; if it happens anyway, the
    /// session is closed on both sides without QUIT, so the message stays on the server.
    case answerContradictsComfort(message: Int)
    /// The server broke the protocol; the session was closed.
    case serverProtocolError
    /// A peer was silent past its timeout; the session was closed.
    case timedOut
    /// The client collected `POP3Limits.maximumErrorResponses` errors; the session was closed.
    case tooManyErrors
    /// STLS (`POP3RelayMachine+TLS.swift`).
    case tls(TLSUpgradeNotice)
}
