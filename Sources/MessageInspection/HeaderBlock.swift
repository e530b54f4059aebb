import NIOCore

/// One header field of a message, as offsets into the message's readable bytes.
///
/// ```
/// Subject: =?ISO-2022-JP?B?...?=␍␊      ← start, nameEnd ("Subject"), colon
///  =?ISO-2022-JP?B?...?=␍␊              ← continuation line (folding, RFC 5322 §2.2.3)
///                                        ← end (after the last line's ending)
/// ```
public struct HeaderField: Sendable, Hashable {
    /// Offset of the first byte of the field name.
    public var start: Int
    /// Offset just after the field name, trailing white space before the colon excluded
    /// (RFC 5322 §4.5.3 obsolete syntax allows `Subject :`).
    public var nameEnd: Int
    /// Offset of the colon.
    public var colon: Int
    /// Offset just after the field's last line ending (or after its last byte, when the message
    /// ends inside the field without a line ending).
    public var end: Int
    /// Offset where the last line's ending starts (equals `end` when there is none).
    public var contentEnd: Int
    /// Offset of the first line's ending (or `contentEnd` when the field is one line).
    public var firstLineContentEnd: Int

    /// Whether the field's last line carries a line ending.
    public var hasLineEnding: Bool { contentEnd < end }
    /// Value bytes: after the colon up to the last line ending, folding included.
    public var valueRange: Range<Int> { (colon + 1)..<contentEnd }
}

/// How the header block ended.
public enum HeaderBlockEnd: Sendable, Hashable {
    /// An empty line separates header and body (RFC 5322 §2.1).
    case emptyLine
    /// Leniency: a line holding only white space, followed by a line that is neither a field nor
    /// a continuation, is taken as the separator (seen from real mailers; under RFC 5322 §4.2
    /// obs-FWS it would be a continuation line, which would swallow the first body line).
    case whitespaceLine
    /// Leniency: a line that is not a header field starts the body with no separator at all.
    case nonHeaderLine
    /// The message ends inside the header block: a message with no body (RFC 5322 §3.5 makes
    /// the body optional).
    case endOfMessage
    /// ``HeaderLimits`` was reached before the end of the block: what follows the last whole
    /// field is left untouched as if it were body.
    case limitReached
}

/// The parsed header block of a message: field boundaries, the line ending convention and where
/// the body starts. Parsing copies nothing; all offsets are relative to the message's
/// `readerIndex`.
public struct HeaderBlock: Sendable, Hashable {
    /// A leading mbox `From ` line (not a header field; kept in place, first).
    public var envelopeLine: Range<Int>?
    public var fields: [HeaderField]
    /// Offset just after the last field (start of the separator line, if any).
    public var fieldsEnd: Int
    /// Offset of the first body byte (after the separator line, if any).
    public var bodyStart: Int
    public var end: HeaderBlockEnd
    /// The ending of the first line of the message, or CRLF when the message has no line
    /// ending at all.
    public var lineEnding: NewlineConvention

    /// Parses the header block at the start of `message`'s readable bytes. Never fails: any
    /// bytes give a block (possibly without fields).
    public init(parsing message: ByteBuffer) {
        self = message.withUnsafeReadableBytes { HeaderBlock(bytes: $0) }
    }

    init(bytes: UnsafeRawBufferPointer) {
        let scanner = LineScanner(bytes: bytes, limit: HeaderLimits.maximumHeaderBlockOctets)
        self.envelopeLine = nil
        self.fields = []
        self.lineEnding = .crlf
        self.fieldsEnd = 0
        self.bodyStart = 0
        self.end = .endOfMessage
        var sawFirstLine = false

        // Leniency: mailbox files and some spool formats put an mbox "From " envelope line
        // before the header block. It is not a field (no colon after a field name), but it is
        // not the body either: keep it first, parse the fields after it.
        if let first = scanner.line(at: 0), first.startsWith("From ", in: bytes), first.fieldColon(in: bytes) == nil {
            envelopeLine = 0..<first.next
            if let ending = first.ending { lineEnding = ending; sawFirstLine = true }
        }
        var position = envelopeLine?.upperBound ?? 0
        var current: HeaderField?

        func close() {
            if let field = current {
                fields.append(field)
                current = nil
            }
        }

        while true {
            guard position < bytes.count else {
                close()
                fieldsEnd = bytes.count
                bodyStart = bytes.count
                end = .endOfMessage
                return
            }
            guard let line = scanner.line(at: position), fields.count < HeaderLimits.maximumFieldCount else {
                // The limit cuts the block at the last whole field: an unfinished field is not
                // split, it stays in the untouched remainder.
                fieldsEnd = current?.start ?? position
                bodyStart = fieldsEnd
                end = .limitReached
                current = nil
                return
            }
            if !sawFirstLine, let ending = line.ending {
                lineEnding = ending
                sawFirstLine = true
            }
            if line.isEmpty {
                close()
                fieldsEnd = position
                bodyStart = line.next
                end = .emptyLine
                return
            }
            if line.startsWithWhitespace(in: bytes), current != nil {
                if line.isWhitespaceOnly(in: bytes) {
                    // RFC 5322 §4.2 obs-FWS allows white-space-only continuation lines; take it
                    // as one only when the block visibly goes on after it.
                    let following = scanner.line(at: line.next)
                    // (An empty line after it still ends the block, one line later.)
                    let continues = following.map {
                        $0.isEmpty || $0.startsWithWhitespace(in: bytes) || $0.fieldColon(in: bytes) != nil
                    } ?? false
                    if !continues {
                        close()
                        fieldsEnd = position
                        bodyStart = line.next
                        end = .whitespaceLine
                        return
                    }
                }
                current!.end = line.next
                current!.contentEnd = line.contentEnd
                position = line.next
                continue
            }
            if let (nameEnd, colon) = line.fieldColon(in: bytes) {
                close()
                current = HeaderField(
                    start: position, nameEnd: nameEnd, colon: colon,
                    end: line.next, contentEnd: line.contentEnd, firstLineContentEnd: line.contentEnd)
                position = line.next
                continue
            }
            // Leniency: not a field, not a continuation: the body starts here, unseparated.
            close()
            fieldsEnd = position
            bodyStart = position
            end = .nonHeaderLine
            return
        }
    }

    /// The fields whose name equals `name` (ASCII case-insensitive, RFC 5322 §1.2.2).
    public func fields(named name: String, in message: ByteBuffer) -> [HeaderField] {
        let wanted = Array(name.utf8).map(asciiLowercased)
        return message.withUnsafeReadableBytes { bytes in
            fields.filter { field in
                field.nameEnd - field.start == wanted.count
                    && zip(wanted, (field.start..<field.nameEnd)).allSatisfy { asciiLowercased(bytes[$0.1]) == $0.0 }
            }
        }
    }

    /// The field's value bytes, unfolded (RFC 5322 §2.2.3: the line endings of folding are
    /// removed, the white space after them kept), capped at
    /// ``HeaderLimits/maximumDecodedValueOctets``.
    public func unfoldedValue(of field: HeaderField, in message: ByteBuffer,
                              limit: Int = HeaderLimits.maximumDecodedValueOctets) -> [UInt8] {
        message.withUnsafeReadableBytes { bytes in
            var out: [UInt8] = []
            for index in field.valueRange where out.count < limit {
                let byte = bytes[index]
                if byte != 0x0D && byte != 0x0A { out.append(byte) }
            }
            return out
        }
    }
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

@inline(__always)
func isWSP(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

/// One physical line: its content and how it ended.
struct Line {
    var start: Int
    var contentEnd: Int
    var next: Int
    var ending: NewlineConvention?

    var isEmpty: Bool { contentEnd == start && ending != nil }

    func startsWith(_ text: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        let pattern = Array(text.utf8)
        guard contentEnd - start >= pattern.count else { return false }
        return pattern.indices.allSatisfy { bytes[start + $0] == pattern[$0] }
    }

    func startsWithWhitespace(in bytes: UnsafeRawBufferPointer) -> Bool {
        start < contentEnd && isWSP(bytes[start])
    }

    func isWhitespaceOnly(in bytes: UnsafeRawBufferPointer) -> Bool {
        (start..<contentEnd).allSatisfy { isWSP(bytes[$0]) }
    }

    /// If the line starts a field (`name *WSP ":"`), the end of the name and the colon.
    ///
    /// RFC 5322 §3.6.8: a field name is printable US-ASCII except ":"; §4.5.3 (obsolete syntax)
    /// allows white space before the colon. Leniency: 8-bit bytes are accepted in a name, since
    /// such fields exist in the wild and dropping them would change the message.
    func fieldColon(in bytes: UnsafeRawBufferPointer) -> (nameEnd: Int, colon: Int)? {
        var index = start
        while index < contentEnd {
            let byte = bytes[index]
            if byte == 0x3A { break }
            if byte <= 0x20 || byte == 0x7F { break }
            index += 1
        }
        let nameEnd = index
        guard nameEnd > start else { return nil }
        while index < contentEnd && isWSP(bytes[index]) { index += 1 }
        guard index < contentEnd, bytes[index] == 0x3A else { return nil }
        return (nameEnd, index)
    }
}

/// Finds lines, never looking past `limit` bytes from the start of the message.
struct LineScanner {
    let bytes: UnsafeRawBufferPointer
    let limit: Int

    /// The line starting at `position`, or nil when it does not end within the limit. A last
    /// line without an ending ends at the end of the message.
    func line(at position: Int) -> Line? {
        let stop = min(bytes.count, limit)
        var index = position
        while index < stop {
            let byte = bytes[index]
            if byte == 0x0A {
                return Line(start: position, contentEnd: index, next: index + 1, ending: .lf)
            }
            if byte == 0x0D {
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A {
                    return Line(start: position, contentEnd: index, next: index + 2, ending: .crlf)
                }
                return Line(start: position, contentEnd: index, next: index + 1, ending: .cr)
            }
            index += 1
        }
        if stop == bytes.count && position < bytes.count {
            return Line(start: position, contentEnd: bytes.count, next: bytes.count, ending: nil)
        }
        return nil
    }
}
