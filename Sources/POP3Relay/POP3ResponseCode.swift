/// An extended response code (RFC 2449 §8, RFC 3206), e.g. the `SYS/TEMP` of
/// `-ERR [SYS/TEMP] try later`. Hierarchical: `SYS/TEMP` is a kind of `SYS`.
public enum POP3ResponseCode: Equatable, Sendable {
    /// RFC 2449 §8.1.1: the mailbox is locked by another session.
    case inUse
    /// RFC 2449 §8.1.2: logged in too soon after the last login.
    case loginDelay
    /// RFC 3206 §4: a temporary system problem; the client may retry.
    case sysTemp
    /// RFC 3206 §4: a permanent system problem.
    case sysPerm
    /// RFC 3206 §5: the credentials are the problem.
    case auth
    /// Any other code, as sent.
    case other(String)

    public init(_ text: String) {
        switch text.uppercased() {
        case "IN-USE": self = .inUse
        case "LOGIN-DELAY": self = .loginDelay
        case "SYS/TEMP": self = .sysTemp
        case "SYS/PERM": self = .sysPerm
        case "AUTH": self = .auth
        default: self = .other(text)
        }
    }
}
