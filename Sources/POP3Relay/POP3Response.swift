import NIOCore

/// A server status line (RFC 1939 §3, RFC 5034 §4 for `+ `), parsed without copying the line.
///
///     S: +OK 1234 octets               → .ok
///     S: -ERR [IN-USE] mailbox locked  → .err, code .inUse
///     S: + UGFzc3dvcmQ6                → .continuation
struct POP3Response: Equatable, Sendable {
    enum Status: Equatable, Sendable {
        case ok
        case err
        /// `+ ` (or a lone `+`): a SASL challenge, only within AUTH (RFC 5034 §4).
        case continuation
    }

    var status: Status
    /// The line as received, without its line ending.
    var line: ByteBuffer

    /// Parses a status line; nil when it is neither `+OK`, `-ERR` nor `+ ` (garbage).
    /// RFC 1939 §3: the indicator is followed by a space or the end of the line; leniency: the
    /// indicator is matched case-insensitively (`+ok` is seen in the wild).
    ///
    /// A CR inside the line is refused like garbage: RFC 1939 §3 allows CR only in the CRLF that
    /// ends a line, and a client that ends lines at a bare CR would read one status line as two
    /// and fall out of step with its commands (the SMTP side refuses such replies the same way).
    static func parse(_ line: ByteBuffer) -> POP3Response? {
        let view = line.readableBytesView
        guard !view.contains(UInt8(ascii: "\r")) else { return nil }
        func matches(_ word: String) -> Bool {
            let bytes = Array(word.utf8)
            guard view.count >= bytes.count else { return false }
            for (i, b) in zip(view.indices, bytes) where view[i] & 0xDF != b & 0xDF { return false }
            return view.count == bytes.count || view[view.startIndex + bytes.count] == UInt8(ascii: " ")
        }
        if matches("+OK") { return POP3Response(status: .ok, line: line) }
        if matches("-ERR") { return POP3Response(status: .err, line: line) }
        if view.first == UInt8(ascii: "+") && (view.count == 1 || view[view.startIndex + 1] == UInt8(ascii: " ")) {
            return POP3Response(status: .continuation, line: line)
        }
        return nil
    }

    /// The RFC 2449 §8 / RFC 3206 response code in brackets right after the indicator, if any.
    var code: POP3ResponseCode? {
        let view = line.readableBytesView
        guard let space = view.firstIndex(of: UInt8(ascii: " ")),
              view.index(after: space) < view.endIndex, view[view.index(after: space)] == UInt8(ascii: "[") else { return nil }
        let start = view.index(after: space) + 1
        guard let end = view[start...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
        return POP3ResponseCode(String(decoding: view[start..<end], as: UTF8.self))
    }

    /// Where the octet count of a RETR `+OK` line is: the first word after `+OK`, when it is all
    /// digits (RFC 1939 §5, RETR example: `+OK 120 octets`). Offsets into `line`'s readable bytes.
    var octetCountRange: Range<Int>? {
        guard status == .ok else { return nil }
        let view = Array(line.readableBytesView)
        var start = 3
        guard start < view.count, view[start] == UInt8(ascii: " ") else { return nil }
        start += 1
        var end = start
        while end < view.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(view[end]) { end += 1 }
        guard end > start, end - start <= 18, end == view.count || view[end] == UInt8(ascii: " ") else { return nil }
        return start..<end
    }

    /// The octet count the server stated, if any.
    var octetCount: Int? {
        guard let range = octetCountRange else { return nil }
        return Int(String(decoding: line.readableBytesView[line.readableBytesView.startIndex + range.lowerBound ..< line.readableBytesView.startIndex + range.upperBound], as: UTF8.self))
    }

    /// The line with CRLF, as relayed.
    var wire: ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(line.readableBytes + 2)
        out.writeImmutableBuffer(line)
        out.writeStaticString("\r\n")
        return out
    }

    /// The line with CRLF and its octet count replaced by `count` (the rest kept byte for byte);
    /// the line as it is when it states no count.
    func wire(statingOctetCount count: Int) -> ByteBuffer {
        guard let range = octetCountRange else { return wire }
        var out = ByteBuffer()
        out.writeImmutableBuffer(line.getSlice(at: line.readerIndex, length: range.lowerBound)!)
        out.writeString(String(count))
        out.writeImmutableBuffer(line.getSlice(at: line.readerIndex + range.upperBound, length: line.readableBytes - range.upperBound)!)
        out.writeStaticString("\r\n")
        return out
    }
}
