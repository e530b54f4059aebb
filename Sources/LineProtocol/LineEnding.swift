/// How a line ended on the wire.
///
/// RFC 5321 §2.3.8: lines end with CRLF, and CR and LF must not appear elsewhere alone. A line
/// ended by LF alone is still reported, so the caller decides (bare-LF policy) rather than the
/// framer silently accepting it. A bare CR is never a line ending: it is an ordinary byte of the
/// line, as in Postfix, because treating it as one would split lines such as `Subject: x\r\r\n`.
public enum LineEnding: Equatable, Sendable {
    /// `\r\n`
    case crlf
    /// `\n` without a preceding `\r` (leniency toward broken peers).
    case bareLF

    /// The number of octets the ending occupied on the wire.
    public var length: Int {
        switch self {
        case .crlf: return 2
        case .bareLF: return 1
        }
    }
}
