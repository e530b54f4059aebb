import NIOCore

/// What the appliance does with a retrieved message (docs/product.md §5, POP3 column), given to the relay
/// once the verdict is known and the decision table applied.
public enum POP3Decision: Equatable, Sendable {
    /// Deliver the stored message as it is: clean, or unscanned (over size, unavailable/pass).
    case deliverUnchanged
    /// Deliver `header` in place of the first `replacing` octets of the stored message, then the
    /// rest of it: a subject prefix or the white-list X- header (docs/product.md §5: POP3 always tags).
    /// `header` is unstuffed and uses the stored message's own line endings, so the octet count
    /// of the `+OK` line changes by exactly `header.readableBytes - replacing`.
    case deliverRewritten(header: ByteBuffer, replacing: Int)
    /// Refuse for now: `-ERR [SYS/TEMP] text`. The message stays on the server, nothing is
    /// deleted, the client retries later (docs/product.md §3, unavailable/reject policy).
    case tempfail(text: String)

    /// docs/product.md §5: service unavailable, reject policy.
    public static let serviceUnavailable = POP3Decision.tempfail(text: "Mail security service unavailable, try again later")
}
