import NIOCore

/// A mail transaction's envelope (RFC 5321 §2.3.1): the reverse-path and the forward-paths the
/// server accepted.
public struct SMTPEnvelope: Equatable, Sendable {
    /// Empty for the null reverse-path `<>`.
    public var reversePath: String
    public var forwardPaths: [String]

    public init(reversePath: String, forwardPaths: [String]) {
        self.reversePath = reversePath
        self.forwardPaths = forwardPaths
    }
}

/// What the appliance does with a collected message (docs/product.md §5), given to the relay once the
/// verdict is known and the decision table applied.
public enum RelayDecision: Equatable, Sendable {
    /// Deliver the collected message as it is.
    case deliverUnchanged
    /// Deliver `header` in place of the stored message's first `replacing` octets, then the
    /// rest of the stored message (subject prefix, X- header): the body is never copied.
    /// `header` is unstuffed, in the stored message's own line endings.
    case deliverRewritten(header: ByteBuffer, replacing: Int)
    /// Refuse the message: the client gets `code text` (a 5yz), nothing reaches the server.
    case reject(code: Int, text: String)
    /// Refuse for now: the client gets `451 text` and will retry (docs/product.md §5, unavailable policy).
    case tempfail(text: String)
    /// Do not deliver the original; deliver `notification` to `envelope` through the same
    /// server instead, and give the client the server's reply to that delivery.
    case transfer(notification: ByteBuffer, envelope: SMTPEnvelope)

    /// docs/product.md §3: content reject.
    public static let contentRejected = RelayDecision.reject(code: 554, text: "5.7.1 Message rejected by content policy")
    /// docs/product.md §3: service unavailable, reject policy.
    public static let serviceUnavailable = RelayDecision.tempfail(text: "4.7.1 Mail security service unavailable, try again later")
}
