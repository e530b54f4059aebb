import NIOCore

/// Keeps a POP3 client alive while its RETR waits, without ever sending a byte that the final
/// answer might contradict (docs/product.md §8; the technique and its limits: docs/pop3-client-comforting.md).
///
/// The rule, by construction: before the decision, the relay may send only a prefix of
/// `safePrefix`, and `safePrefix` holds exactly the bytes that every answer still possible
/// starts with. The answers to `RETR n` are:
///
///     unchanged   +OK 120 octets CRLF <content> . CRLF     (the server's status line)
///     rewritten   +OK 134 octets CRLF <new header + rest> . CRLF   (count corrected)
///     tempfail    -ERR [SYS/TEMP] … CRLF                   (unavailable, reject policy only)
///     abort       both sides closed, the server's without QUIT (RFC 1939 §6: nothing deleted)
///
/// - Under the unavailable `reject` policy `+OK` and `-ERR` share no first byte: nothing is safe
///   while a tempfail may still be answered.
/// - Under `pass`, and under `reject` once the relay has committed to `+OK` (`commitToAcceptance`:
///   the silence budget ran out, a tempfail is no longer expressible, only an abort), the status
///   line is common to unchanged and rewritten up to its octet count: all of
///   `+OK message follows` CRLF; only `+OK ` of `+OK 120 octets`.
/// - No content byte is ever safe: a rewrite may change the header from its first octet on.
/// - Once the answer is fixed (over size: relayed unscanned), the whole status line is safe.
///
/// One byte goes per comfort interval (a client's read timeout restarts on every byte it
/// receives). At the decision, `remainder(of:)` checks the committed bytes against the final
/// status line byte for byte; a tempfail after any byte has gone becomes the abort (designed);
/// any other mismatch (a configuration that broke the rule) yields nil too, and the relay then
/// closes both sides without QUIT rather than send a contradiction.
public struct POP3ClientComfort: Equatable, Sendable {
    /// The bytes every possible answer starts with.
    public private(set) var safePrefix: ByteBuffer
    /// How many of them have been sent.
    public private(set) var sent = 0

    /// The safe prefix of the answer to a RETR whose server status line is `status`.
    init(retrievalStatus status: POP3Response, unavailablePolicy: POP3RelayConfiguration.UnavailablePolicy) {
        switch unavailablePolicy {
        case .reject:
            safePrefix = ByteBuffer()
        case .pass:
            safePrefix = Self.acceptancePrefix(of: status)
        }
    }

    /// What every `+OK` answer to a RETR whose server status line is `status` starts with: the
    /// whole line when it states no octet count, else the bytes before the count.
    static func acceptancePrefix(of status: POP3Response) -> ByteBuffer {
        if let count = status.octetCountRange {
            return status.line.getSlice(at: status.line.readerIndex, length: count.lowerBound)!
        }
        return status.wire
    }

    /// Whether any byte has gone: from then on the answer is a `+OK` line extending those bytes
    /// or an abort (closing both sides, the server's without QUIT); never `-ERR`.
    public var isCommitted: Bool { sent > 0 }

    /// The relay gives up the tempfail (reject policy, the silence budget ran out): from now on
    /// the answer is `+OK` or an abort, so the `+OK` part of `status` becomes safe.
    mutating func commitToAcceptance(status: POP3Response) {
        let prefix = Self.acceptancePrefix(of: status)
        precondition(prefix.readableBytesView.starts(with: safePrefix.readableBytesView.prefix(sent)), "commitment extends what was sent")
        safePrefix = prefix
    }

    /// The answer is `status` whatever happens (TOP; RETR over size).
    init(fixedStatus status: POP3Response) {
        safePrefix = status.wire
    }

    /// The next byte that may go early, if any (and counts it as sent).
    mutating func nextByte() -> ByteBuffer? {
        guard sent < safePrefix.readableBytes else { return nil }
        defer { sent += 1 }
        return safePrefix.getSlice(at: safePrefix.readerIndex + sent, length: 1)
    }

    /// The answer is now fixed to `status`: everything of it may go.
    mutating func fix(to status: ByteBuffer) {
        precondition(status.readableBytesView.starts(with: safePrefix.readableBytesView.prefix(sent)), "a fixed answer extends what was sent")
        safePrefix = status
    }

    /// What is left to send of `final` (the whole status line of the answer), or nil when the
    /// bytes already sent are not its beginning.
    func remainder(of final: ByteBuffer) -> ByteBuffer? {
        let committed = safePrefix.readableBytesView.prefix(sent)
        guard final.readableBytesView.starts(with: committed) else { return nil }
        return final.getSlice(at: final.readerIndex + sent, length: final.readableBytes - sent)
    }

    /// Everything safe not yet sent (the answer is known), counted as sent.
    mutating func takeRest() -> ByteBuffer? {
        guard sent < safePrefix.readableBytes else { return nil }
        defer { sent = safePrefix.readableBytes }
        return safePrefix.getSlice(at: safePrefix.readerIndex + sent, length: safePrefix.readableBytes - sent)
    }
}
