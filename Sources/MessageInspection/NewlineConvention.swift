/// The line terminator a message uses (not `LineProtocol.LineEnding`, which says how one line
/// ended on the wire: this is the convention a whole message follows, bare CR included).
///
/// RFC 5322 §2.1 says lines end in CRLF, but messages handed to us by POP3 servers, mailbox
/// files and broken clients also use bare LF or (classic Mac OS) bare CR. We never rewrite the
/// endings of lines we keep; lines we add use the convention of the message they go into, so the
/// result is no more mixed than the original was.
public enum NewlineConvention: Sendable, Hashable {
    case crlf
    case lf
    case cr

    public var bytes: [UInt8] {
        switch self {
        case .crlf: return [0x0D, 0x0A]
        case .lf: return [0x0A]
        case .cr: return [0x0D]
        }
    }
}
