import NIOCore

/// A whole SMTP reply, all its lines (RFC 5321 §4.2.1), kept as received so it can be relayed
/// byte for byte.
///
///     S: 250-mx.example.com hello
///     S: 250-SIZE 36700160
///     S: 250 8BITMIME
///     → code 250, lines ["250-mx.example.com hello", "250-SIZE 36700160", "250 8BITMIME"]
public struct SMTPReply: Equatable, Sendable {
    /// The three-digit reply code.
    public var code: Int
    /// Every line as received, code and separator included, line ending excluded.
    public var lines: [ByteBuffer]

    public init(code: Int, lines: [ByteBuffer]) {
        self.code = code
        self.lines = lines
    }

    /// A reply of the appliance's own: `code` and one or more lines of text.
    public init(code: Int, text: String...) {
        precondition((200...599).contains(code), "reply codes are 2xx–5xx")
        precondition(!text.isEmpty, "a reply has at least one line")
        self.code = code
        self.lines = text.enumerated().map { index, line in
            ByteBuffer(string: "\(code)\(index == text.count - 1 ? " " : "-")\(line)")
        }
    }

    /// RFC 5321 §4.2.1: 2yz positive completion.
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    /// RFC 5321 §4.2.1: 3yz positive intermediate.
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// RFC 5321 §4.2.1: 4yz transient and 5yz permanent negative completion.
    public var isNegative: Bool { code / 100 >= 4 }

    /// The text of line `index`, after the code and separator (empty when the line is a bare code).
    public func text(ofLine index: Int) -> ByteBuffer {
        let line = lines[index]
        guard line.readableBytes > 4 else { return ByteBuffer() }
        return line.getSlice(at: line.readerIndex + 4, length: line.readableBytes - 4)!
    }

    /// The enhanced status code at the start of the first line (RFC 3463, RFC 2034 §4), if any.
    public var enhancedStatusCode: EnhancedStatusCode? {
        guard !lines.isEmpty else { return nil }
        let status = EnhancedStatusCode(parsing: text(ofLine: 0))
        return status?.statusClass == code / 100 ? status : nil
    }

    /// The reply on the wire: each line followed by CRLF.
    public func encoded() -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(lines.reduce(0) { $0 + $1.readableBytes + 2 })
        for line in lines {
            out.writeImmutableBuffer(line)
            out.writeStaticString("\r\n")
        }
        return out
    }
}
