import NIOCore

/// The relay's protocol waits, one value so a deployment (and a test) can scale them together,
/// as `SMTPTimeouts` does for SMTP. The defaults are `POP3Limits`' RFC 1939 §3 figures;
/// `divided(by:)` shortens every one alike. The client's own patience (the silence budget and
/// the comfort interval) is not a protocol wait and is not scaled.
public struct POP3Timeouts: Equatable, Sendable {
    public var clientIdle = POP3Limits.clientIdleTimeout
    public var serverResponse = POP3Limits.serverResponseTimeout
    public var decision = POP3Limits.maximumDecisionWait

    public init() {}

    /// The RFC figures.
    public static let standard = POP3Timeouts()

    /// Every wait divided by `divisor` (at least 1).
    public func divided(by divisor: Int) -> POP3Timeouts {
        let d = Int64(max(divisor, 1))
        func scale(_ t: TimeAmount) -> TimeAmount { .nanoseconds(t.nanoseconds / d) }
        var result = self
        result.clientIdle = scale(clientIdle)
        result.serverResponse = scale(serverResponse)
        result.decision = scale(decision)
        return result
    }
}
