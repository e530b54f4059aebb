import NIOCore

/// A client command line, split into its keyword and argument (RFC 1939 §3).
///
///     C: RETR 1        → .retr, "1"
///     C: top 2 0       → .top, "2 0"      (keywords are case-insensitive)
struct POP3Command: Equatable, Sendable {
    enum Keyword: Equatable, Sendable {
        case user, pass, apop, auth, capa, stls
        case stat, list, uidl, retr, top, dele, noop, rset, quit
        /// A keyword the relay does not know (XTND, LAST, …): relayed, its response read as a
        /// single line (leniency: RFC 1939 defines no other multi-line response).
        case other
    }

    var keyword: Keyword
    /// Everything after the first space (empty when there is none).
    var argument: Substring

    static func parse(_ line: ByteBuffer) -> POP3Command {
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        let space = text.firstIndex(of: " ")
        let word = text[..<(space ?? text.endIndex)].uppercased()
        let argument = space.map { text[text.index(after: $0)...] } ?? ""
        let keyword: Keyword
        switch word {
        case "USER": keyword = .user
        case "PASS": keyword = .pass
        case "APOP": keyword = .apop
        case "AUTH": keyword = .auth
        case "CAPA": keyword = .capa
        case "STLS": keyword = .stls
        case "STAT": keyword = .stat
        case "LIST": keyword = .list
        case "UIDL": keyword = .uidl
        case "RETR": keyword = .retr
        case "TOP": keyword = .top
        case "DELE": keyword = .dele
        case "NOOP": keyword = .noop
        case "RSET": keyword = .rset
        case "QUIT": keyword = .quit
        default: keyword = .other
        }
        return POP3Command(keyword: keyword, argument: argument)
    }

    /// The arguments, split on spaces (RFC 1939 §3: separated by a single space; leniency: runs
    /// of spaces are accepted).
    var arguments: [Substring] { argument.split(separator: " ") }

    /// The message number of RETR, TOP, LIST n, DELE n (RFC 1939 §5: a positive decimal).
    var messageNumber: Int? {
        guard let first = arguments.first, first.allSatisfy({ $0.isASCII && $0.isNumber }),
              first.count <= 9, let n = Int(first), n > 0 else { return nil }
        return n
    }

    /// The line count of `TOP n L` (RFC 1939 §7: a non-negative decimal), when the second
    /// argument is all digits. Saturates: digits too many for an `Int` are `Int.max`.
    var topLineCount: Int? {
        let arguments = self.arguments
        guard arguments.count == 2, !arguments[1].isEmpty,
              arguments[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(arguments[1]) ?? Int.max
    }

    /// Whether this is a `TOP` that asks for the whole message: a retrieval, handled as `RETR`
    /// (see `POP3Limits.wholeMessageTopLines`).
    var isWholeMessageTop: Bool {
        guard keyword == .top, let lines = topLineCount else { return false }
        return lines >= POP3Limits.wholeMessageTopLines
    }
}
