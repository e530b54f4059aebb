import NIOCore
import POP3Relay

/// The POP3 proxy's own limits.
public enum POP3ProxyLimits {
    /// The scan service's whole budget for one retrieved message: the relay's own cap on a
    /// RETR's wait (`POP3Limits.maximumDecisionWait`, under the server's 10-minute autologout,
    /// RFC 1939 §3). The relay owns the POP3 clock: how long the client can be kept waiting
    /// depends on the status line, the comfort interval and when the client last heard a byte,
    /// which only the relay knows; when it stops waiting (tempfail before any byte went, abort
    /// after its commitment to `+OK`, unscanned delivery under pass) it cancels the scan. A
    /// shorter fixed budget would cut scans the client could still wait for
    /// (docs/pop3-client-comforting.md); the `ysc request timeout` and `ysc retry` settings
    /// still end failing attempts early.
    public static let scanBudget = POP3Limits.maximumDecisionWait
}
