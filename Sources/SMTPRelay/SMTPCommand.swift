import NIOCore

/// One SMTP command line as the client sent it, split into verb and argument (RFC 5321 §4.1.1).
///
///     C: MAIL FROM:<a@example.com> SIZE=1200   →  verb .mail, argument "FROM:<a@example.com> SIZE=1200"
///     C: noop                                 →  verb .noop, argument ""
///
/// Parsing never fails: a verb the relay does not know is `.other` and is relayed for the server
/// to judge, as a faithful relay must.
public struct SMTPCommand: Equatable, Sendable {
    public enum Verb: Equatable, Sendable {
        case helo, ehlo, mail, rcpt, data, rset, noop, quit, vrfy, expn, help
        /// RFC 4954.
        case auth
        /// RFC 3207.
        case starttls
        /// RFC 3030.
        case bdat
        /// RFC 821 §4.1.1 role reversal; obsolete (RFC 5321 Appendix F.1).
        case turn
        /// Postfix's XCLIENT and XFORWARD: a trusted client tells the server which client it
        /// speaks for (address, name, HELO, login). Through the appliance every client would
        /// reach the server from an address the server may trust.
        case xclient, xforward
        case other
    }

    public var verb: Verb
    /// The verb as sent (case preserved).
    public var keyword: String
    /// Everything after the single space that follows the verb (empty when none).
    public var argument: String

    public init(verb: Verb, keyword: String, argument: String) {
        self.verb = verb
        self.keyword = keyword
        self.argument = argument
    }

    /// Parses a command line without its line ending.
    public static func parse(_ line: ByteBuffer) -> SMTPCommand {
        let view = line.readableBytesView
        let space = view.firstIndex(of: UInt8(ascii: " "))
        let keywordBytes = view[view.startIndex..<(space ?? view.endIndex)]
        let keyword = String(decoding: keywordBytes, as: UTF8.self)
        let argument = space.map { String(decoding: view[view.index(after: $0)...], as: UTF8.self) } ?? ""
        return SMTPCommand(verb: verb(for: keywordBytes), keyword: keyword, argument: argument)
    }

    private static func verb(for keyword: ByteBufferView.SubSequence) -> Verb {
        // Verbs are case-insensitive (RFC 5321 §2.4); only 4-letter ASCII, XCLIENT, STARTTLS and
        // XFORWARD exist here.
        guard keyword.count == 4 || keyword.count == 7 || keyword.count == 8 else { return .other }
        var upper = [UInt8]()
        upper.reserveCapacity(8)
        for byte in keyword {
            upper.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
        }
        switch String(decoding: upper, as: UTF8.self) {
        case "HELO": return .helo
        case "EHLO": return .ehlo
        case "MAIL": return .mail
        case "RCPT": return .rcpt
        case "DATA": return .data
        case "RSET": return .rset
        case "NOOP": return .noop
        case "QUIT": return .quit
        case "VRFY": return .vrfy
        case "EXPN": return .expn
        case "HELP": return .help
        case "AUTH": return .auth
        case "STARTTLS": return .starttls
        case "BDAT": return .bdat
        case "TURN": return .turn
        case "XCLIENT": return .xclient
        case "XFORWARD": return .xforward
        default: return .other
        }
    }
}
