/// RFC 1939 §3: the states of a POP3 session.
public enum POP3SessionState: Equatable, Sendable {
    /// Before a successful PASS, APOP or AUTH.
    case authorization
    /// Logged in: STAT, LIST, RETR, DELE, … are valid.
    case transaction
    /// QUIT was answered in TRANSACTION: the server commits its deletions.
    case update
}
