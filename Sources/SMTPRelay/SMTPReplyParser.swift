import NIOCore
import LineProtocol

/// Why a server's reply could not be understood. Peer error, not programmer error (docs/engineering-habits.md, habit 4):
/// the relay answers the client and closes instead of crashing.
public enum SMTPReplyError: Error, Equatable, Sendable {
    /// Not `Reply-code [SP / "-" text]` (RFC 5321 §4.2).
    case malformedLine
    /// A continuation line with a different code (RFC 5321 §4.2.1: the code MUST be the same).
    case inconsistentCode
    /// More lines than `SMTPLimits.maximumReplyLines`.
    case tooManyLines
    /// A line longer than `SMTPLimits.maximumReplyLineLength`.
    case lineTooLong
    /// A reply when no command was outstanding (other than a 421, RFC 5321 §3.8).
    case unexpectedReply
}

/// Assembles reply lines into whole replies (RFC 5321 §4.2.1).
///
///     S: 250-first         → nil (more to come)
///     S: 250 last          → SMTPReply(code 250, 2 lines)
///
/// RFC 5321 §4.2 grammar: `Reply-code = %x32-35 %x30-35 %x30-39`, then `-` on every line but the
/// last, and SP or nothing on the last.
public struct SMTPReplyParser: Sendable {
    private var lines: [ByteBuffer] = []
    private var code = 0

    public init() {}

    /// Adds one line (without its ending); returns the reply when this line completes it.
    public mutating func add(_ line: ByteBuffer) throws(SMTPReplyError) -> SMTPReply? {
        let (lineCode, isLast) = try Self.parseLine(line)
        if lines.isEmpty {
            code = lineCode
        } else if lineCode != code {
            lines.removeAll()
            throw .inconsistentCode
        }
        guard lines.count < SMTPLimits.maximumReplyLines else {
            lines.removeAll()
            throw .tooManyLines
        }
        lines.append(line)
        guard isLast else { return nil }
        defer { lines.removeAll(keepingCapacity: true) }
        return SMTPReply(code: code, lines: lines)
    }

    /// Whether a multi-line reply has started and not ended.
    public var isInsideReply: Bool { !lines.isEmpty }

    static func parseLine(_ line: ByteBuffer) throws(SMTPReplyError) -> (code: Int, isLast: Bool) {
        let view = line.readableBytesView
        guard view.count >= 3 else { throw .malformedLine }
        let d = Array(view.prefix(4))
        func digit(_ b: UInt8, _ range: ClosedRange<UInt8>) -> Int? {
            range.contains(b) ? Int(b - UInt8(ascii: "0")) : nil
        }
        guard let a = digit(d[0], UInt8(ascii: "2")...UInt8(ascii: "5")),
              let b = digit(d[1], UInt8(ascii: "0")...UInt8(ascii: "5")),
              let c = digit(d[2], UInt8(ascii: "0")...UInt8(ascii: "9"))
        else { throw .malformedLine }
        let code = a * 100 + b * 10 + c
        // RFC 5321 §4.2: reply text holds no CR (textstring = HT / SP / VCHAR). A bare CR relayed
        // to the client would end the line early for a client that reads CR as a line end, so
        // the reply would fall out of step with the command it answers.
        if view.contains(UInt8(ascii: "\r")) { throw .malformedLine }
        if d.count == 3 { return (code, true) }
        switch d[3] {
        case UInt8(ascii: " "): return (code, true)
        case UInt8(ascii: "-"): return (code, false)
        default: throw .malformedLine
        }
    }
}
