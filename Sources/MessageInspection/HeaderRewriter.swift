import NIOCore

/// What to change in a message's header block.
public struct HeaderEdits: Sendable, Hashable {
    /// Added at the top of the header block.
    public var securityHeader: SecurityHeader?
    /// Subject prefixes in the order they are to appear (docs/product.md §5: virus prefix, then spam
    /// prefix). Empty strings are ignored.
    public var subjectPrefixes: [String]

    public init(securityHeader: SecurityHeader? = nil, subjectPrefixes: [String] = []) {
        self.securityHeader = securityHeader
        self.subjectPrefixes = subjectPrefixes
    }
}

/// What happened to the subject.
public struct SubjectOutcome: Sendable, Hashable {
    /// Subject fields that received a prefix.
    public var prefixed = 0
    /// Subject fields left alone because their decoded text already started with the prefixes.
    public var alreadyPrefixed = 0
    /// Whether a Subject field was added (the message had none).
    public var added = false
    /// The header block was larger than ``HeaderLimits`` allow and no Subject was found in the
    /// part that was read; none was added (one may exist further down).
    public var notFoundWithinLimits = false

    public init(prefixed: Int = 0, alreadyPrefixed: Int = 0, added: Bool = false, notFoundWithinLimits: Bool = false) {
        self.prefixed = prefixed
        self.alreadyPrefixed = alreadyPrefixed
        self.added = added
        self.notFoundWithinLimits = notFoundWithinLimits
    }
}

/// A rewritten header block. The message to deliver is `header` followed by the original
/// message's bytes from `bodyStart` on; the body is never copied.
public struct RewrittenHeader: Sendable {
    /// The new header block, separator line included.
    public var header: ByteBuffer
    /// Offset (from the original's `readerIndex`) of the first original byte that follows
    /// `header` unchanged.
    public var bodyStart: Int
    public var subject: SubjectOutcome

    /// The untouched remainder of `original` (a slice, no copy).
    public func remainder(of original: ByteBuffer) -> ByteBuffer {
        original.getSlice(at: original.readerIndex + bodyStart, length: original.readableBytes - bodyStart)!
    }

    /// Size of the rewritten message in octets (e.g. for a POP3 `+OK` line, docs/product.md §3).
    public func octets(of original: ByteBuffer) -> Int {
        header.readableBytes + original.readableBytes - bodyStart
    }

    /// Header and remainder in one buffer (copies; for tests and small messages).
    public func assembled(with original: ByteBuffer) -> ByteBuffer {
        var out = header
        var rest = remainder(of: original)
        out.writeBuffer(&rest)
        return out
    }
}

/// Rewrites the header block of a message, keeping the original bytes of every field it does
/// not change.
///
/// Where things go, and why:
/// - `X-Yamaha-Mail-Security` is put at the top of the header block (after an mbox `From `
///   line, if any). It is a statement by a relay in transit about the message, like the trace
///   fields of RFC 5322 §3.6.7 / RFC 5321 §4.4 that each relay prepends; the top is also where
///   an administrator reading the raw message looks first, and prepending leaves every existing
///   field (and any DKIM signature over them, RFC 6376 §5.4.2) where it was.
/// - A subject prefix is inserted as plain text before the original value, which is kept byte
///   for byte: `Subject: [SPAM] =?ISO-2022-JP?B?...?=`. RFC 2047 §5 (1) allows encoded words
///   after ordinary words in unstructured text, and white space between an ordinary word and an
///   encoded word is kept on display (only white space between two encoded words is dropped,
///   RFC 2047 §6.2). A prefix that is not plain printable ASCII is written as UTF-8 encoded
///   words; when the original value starts with an encoded word, the separating space is put
///   inside the prefix's encoded word so it survives decoding.
/// - Every Subject field is prefixed when there are several (RFC 5322 §3.6 allows one; readers
///   differ in which they show, and a sender could otherwise hide the tag behind a second one).
/// - A missing Subject is added after the last field: the top of the block is reserved for
///   trace fields (RFC 5322 §3.6.7), and appending is what a user agent would have done.
/// - A line we lengthen is folded at the space we inserted when it would exceed 998 octets
///   (RFC 5322 §2.1.1), or 76 characters when it holds an encoded word (RFC 2047 §2); the
///   original text then starts a continuation line no longer than its line was before.
/// - New lines use the message's own line ending (its first line's ending).
public enum HeaderRewriter {
    public static func rewrite(_ message: ByteBuffer, edits: HeaderEdits) -> RewrittenHeader {
        let block = HeaderBlock(parsing: message)
        return rewrite(message, block: block, edits: edits)
    }

    public static func rewrite(_ message: ByteBuffer, block: HeaderBlock, edits: HeaderEdits) -> RewrittenHeader {
        let eol = block.lineEnding.bytes
        let prefixes = edits.subjectPrefixes.filter { !$0.isEmpty }
        var out = ByteBufferAllocator().buffer(capacity: block.fieldsEnd + 256)
        var outcome = SubjectOutcome()
        // Whether the last bytes written end in a line ending (so more can follow).
        var atLineStart = true

        func copy(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            var slice = message.getSlice(at: message.readerIndex + range.lowerBound, length: range.count)!
            out.writeBuffer(&slice)
        }
        func ensureLineStart() {
            if !atLineStart { out.writeBytes(eol); atLineStart = true }
        }

        if let envelope = block.envelopeLine {
            copy(envelope)
            atLineStart = endsWithLineEnding(message, envelope)
        }
        if let security = edits.securityHeader {
            ensureLineStart()
            out.writeString(security.fieldLine)
            out.writeBytes(eol)
        }
        let subjects = Set(prefixes.isEmpty ? [] : block.fields(named: "Subject", in: message).map(\.start))
        for field in block.fields {
            ensureLineStart()
            if subjects.contains(field.start) {
                let value = block.unfoldedValue(of: field, in: message)
                let missing = missingPrefixes(prefixes, decodedValue: UnstructuredText.decode(value).text)
                if missing.isEmpty {
                    outcome.alreadyPrefixed += 1
                    copy(field.start..<field.end)
                } else {
                    outcome.prefixed += 1
                    writePrefixed(field, missing: missing, value: value, message: message, eol: eol, into: &out)
                }
            } else {
                copy(field.start..<field.end)
            }
            atLineStart = field.hasLineEnding
        }
        if !prefixes.isEmpty && subjects.isEmpty {
            if block.end == .limitReached {
                outcome.notFoundWithinLimits = true
            } else {
                ensureLineStart()
                let name: [UInt8] = Array("Subject:".utf8)
                let (tokens, encoded) = prefixTokens(prefixes, valueStartsWithEncodedWord: false)
                layOut(lineSoFar: name, tokens: tokens, eol: eol, lineLimit: lineLimit(containsEncodedWords: encoded), into: &out)
                out.writeBytes(endingBeforeSeparator(eol, block: block, message: message))
                outcome.added = true
            }
        }
        switch block.end {
        case .emptyLine, .whitespaceLine:
            ensureLineStart()
            copy(block.fieldsEnd..<block.bodyStart)
        case .nonHeaderLine:
            // The original had no separator; we add one so the body stays the body for every
            // reader of the rewritten message (RFC 5322 §2.1).
            ensureLineStart()
            out.writeBytes(eol)
        case .endOfMessage, .limitReached:
            break
        }
        return RewrittenHeader(header: out, bodyStart: block.bodyStart, subject: outcome)
    }

    /// The prefixes (in order) that the decoded subject does not already start with. Leading
    /// prefixes are recognised in any order, so `[SPAM] x` tagged spam+virus becomes
    /// `[VIRUS] [SPAM] x`, and `[VIRUS] [SPAM] x` is left alone.
    static func missingPrefixes(_ prefixes: [String], decodedValue: String) -> [String] {
        var rest = Substring(decodedValue).drop(while: { $0 == " " || $0 == "\t" })
        var present = Set<String>()
        var found = true
        while found {
            found = false
            for prefix in prefixes where !present.contains(prefix) && rest.hasPrefix(prefix) {
                present.insert(prefix)
                rest = rest.dropFirst(prefix.count).drop(while: { $0 == " " || $0 == "\t" })
                found = true
            }
        }
        return prefixes.filter { !present.contains($0) }
    }

    /// Whether `prefix` can be written as ordinary text: printable ASCII and space only, and
    /// nothing a decoder could take for an encoded word (RFC 2047 §5: "=?" starts one).
    static func isPlainText(_ prefix: String) -> Bool {
        prefix.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !prefix.contains("=?")
            && prefix.first != " " && prefix.last != " "
    }

    /// The prefix text as tokens to lay out, and whether they are encoded words.
    static func prefixTokens(_ prefixes: [String], valueStartsWithEncodedWord: Bool) -> (tokens: [[UInt8]], encoded: Bool) {
        let text = prefixes.joined(separator: " ")
        if isPlainText(text) { return ([Array(text.utf8)], false) }
        // RFC 2047 §6.2: the space between two encoded words is not displayed, so when an
        // encoded word follows, the separating space is encoded with the prefix.
        let words = EncodedWordWriter.utf8Words(valueStartsWithEncodedWord ? text + " " : text)
        return (words.map { Array($0.utf8) }, true)
    }

    /// RFC 2047 §2: "each line of a header field that contains one or more 'encoded-word's is
    /// limited to 76 characters"; other lines to 998 octets (RFC 5322 §2.1.1).
    static func lineLimit(containsEncodedWords: Bool) -> Int {
        containsEncodedWords ? HeaderLimits.maximumEncodedWordLineLength : HeaderLimits.maximumLineOctets
    }

    /// Whether the bytes hold at least one encoded word (as a white-space separated token).
    static func containsEncodedWord(_ bytes: some Collection<UInt8>) -> Bool {
        Array(bytes).split(whereSeparator: isWSP).contains { UnstructuredText.encodedWords(in: $0) != nil }
    }

    /// Writes `lineSoFar`, then the tokens, the first after `whitespaceBeforeFirst`, the others
    /// after one space; folds before a token that would make the line longer than `lineLimit`
    /// (the white space then starts the continuation line, RFC 5322 §2.2.3). Returns the length
    /// of the last line.
    @discardableResult
    static func layOut(lineSoFar: [UInt8], whitespaceBeforeFirst: [UInt8] = [0x20], tokens: [[UInt8]], eol: [UInt8],
                       lineLimit: Int, into out: inout ByteBuffer) -> Int {
        out.writeBytes(lineSoFar)
        var length = lineSoFar.count
        for (index, token) in tokens.enumerated() {
            let separator: [UInt8] = index == 0 ? whitespaceBeforeFirst : [0x20]
            if length + separator.count + token.count > lineLimit && length > 0 {
                // Folding needs white space after the line break.
                let folding: [UInt8] = separator.isEmpty ? [0x20] : separator
                out.writeBytes(eol)
                out.writeBytes(folding)
                length = folding.count
            } else {
                out.writeBytes(separator)
                length += separator.count
            }
            out.writeBytes(token)
            length += token.count
        }
        return length
    }

    static func writePrefixed(_ field: HeaderField, missing: [String], value: [UInt8], message: ByteBuffer,
                              eol: [UInt8], into out: inout ByteBuffer) {
        message.withUnsafeReadableBytes { bytes in
            // Insertion point: after the colon and the white space that follows it on the first
            // line; that white space is kept and separates the prefix from the colon.
            var insertion = field.colon + 1
            while insertion < field.firstLineContentEnd && isWSP(bytes[insertion]) { insertion += 1 }
            let firstToken = value.split(whereSeparator: isWSP).first
            let startsWithEncodedWord = firstToken.flatMap { UnstructuredText.encodedWords(in: $0) } != nil
            let (tokens, encoded) = prefixTokens(missing, valueStartsWithEncodedWord: startsWithEncodedWord)
            let originalWhitespace = Array(bytes[(field.colon + 1)..<insertion])
            let length = layOut(lineSoFar: Array(bytes[field.start...field.colon]),
                                whitespaceBeforeFirst: originalWhitespace.isEmpty ? [0x20] : originalWhitespace,
                                tokens: tokens, eol: eol, lineLimit: lineLimit(containsEncodedWords: encoded), into: &out)
            let rest = field.firstLineContentEnd - insertion
            if rest > 0 {
                // The rest of the original first line goes on our line unless that line would
                // then be too long; folded, it is on a line no longer than it was before.
                let restHasEncodedWord = containsEncodedWord(UnsafeRawBufferPointer(rebasing: bytes[insertion..<field.firstLineContentEnd]))
                if length + 1 + rest > lineLimit(containsEncodedWords: encoded || restHasEncodedWord) {
                    out.writeBytes(eol)
                }
                // The space we insert is the folding white space when we folded.
                out.writeInteger(UInt8(ascii: " "))
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[insertion..<field.end]))
        }
    }

    /// The ending of a line added just before the separator line. Normally the message's own
    /// (`eol`); but in a message whose first line ends in a bare CR and whose separator is a bare
    /// LF, that CR followed by the separator's LF would read as one CRLF: the added line would
    /// swallow the separator, and the body's first line would join the header. The separator's
    /// own ending is used then.
    static func endingBeforeSeparator(_ eol: [UInt8], block: HeaderBlock, message: ByteBuffer) -> [UInt8] {
        guard eol == NewlineConvention.cr.bytes, block.fieldsEnd < block.bodyStart,
              message.getInteger(at: message.readerIndex + block.fieldsEnd, as: UInt8.self) == 0x0A
        else { return eol }
        return NewlineConvention.lf.bytes
    }

    static func endsWithLineEnding(_ message: ByteBuffer, _ range: Range<Int>) -> Bool {
        guard let last = message.getInteger(at: message.readerIndex + range.upperBound - 1, as: UInt8.self) else { return false }
        return last == 0x0A || last == 0x0D
    }
}
