import MessageInspection
import NIOCore
import Testing

/// Every corpus message, tagged as spam: `Fixtures/NAME` in, `Fixtures/NAME.spam.expected` out.
enum Corpus {
    static let names: [String] = [
        // japanese
        "mimekit__japanese.txt", "mailgem__japanese_iso_2022.eml", "mailgem__japanese_shift_jis.eml",
        "mailgem__rfc2822_example14.eml", "sisimai__lhost-domino-02.eml", "sisimai__lhost-trendmicro-01.eml",
        "sisimai__lhost-exchange2007-04.eml", "spamassassin__cjk_iso-2022-jp.2",
        // encoded-words
        "mailgem__bad_subject.eml", "mailgem__bad_encoded_subject.eml", "mailgem__partially_quoted_subject.eml",
        "mimetools__intl.msg", "spamassassin__unicode1", "spamassassin__utf16.eml", "spamassassin__mime-subject.txt",
        "rspamd__urlinsubjectencoded.eml", "rspamd__utf.eml",
        // 8bit-headers
        "mailgem__invalid_subject_characters.eml", "mailgem__utf8_headers.eml", "spamassassin__cjk_gb2312.1",
        "sisimai__lhost-kddi-01.eml", "spamscope__mail_test_12", "rspamd__mid_eai_utf8.eml", "mime4j__obsolete.msg",
        // line-endings
        "mailgem__basic_email.eml", "mailgem__basic_email_lf.eml", "sisimai__lhost-kddi-01.dos.eml",
        "sisimai__lhost-kddi-01.mac.eml", "spamassassin__nice_004", "spamassassin__crlf-endings",
        "mime4j__bad-newlines-multiple-parts.msg",
        // subject-missing-dup
        "mime4j__malformedHeader-noheader.msg", "mime4j__malformedHeader-nocrlfcrlf.msg",
        "mailgem__rfc2822_example03.eml", "mailgem__raw_email_with_binary_encoded.eml", "spamassassin__no_body",
        "rspamd__subject1.eml", "mimekit__multipart-digest.txt",
        // malformed-mime
        "mimekit__empty-multipart.txt", "mimekit__missing-subtype.txt", "mimekit__epilogue.txt",
        "mime4j__missing-boundary.msg", "mime4j__missing-inner-boundary.msg",
        "mime4j__basic-plain-with-bad-header-separator.msg", "mimetools__hdr-fakeout.msg", "mimetools__multi-bad.msg",
        "spamscope__mail_malformed_3", "mailgem__raw_email_with_illegal_boundary.eml", "spamassassin__badctype1",
        "rspamd__badboundary.eml", "cpython__msg_15.txt",
        // long-lines
        "mime4j__basic-plain-very-long-lines.msg", "mimekit__stack-overflow.txt", "rspamd__dkim_huge_hlist.eml",
        // scanner triggers (odd separators)
        "spamassassin__gtube.eml", "dms__amavis-virus.txt", "dms__rspamd-virus.txt",
    ]
}

struct SubjectPrefixGoldenTests {
    static func subjects(of message: ByteBuffer) -> [(field: HeaderField, raw: [UInt8], decoded: String)] {
        let block = HeaderBlock(parsing: message)
        return block.fields(named: "Subject", in: message).map { field in
            let raw = block.unfoldedValue(of: field, in: message)
            return (field, raw, UnstructuredText.decode(raw).text)
        }
    }

    @Test(arguments: Corpus.names)
    func spamPrefixGolden(name: String) throws {
        let original = try Fixture.buffer(name)
        let block = HeaderBlock(parsing: original)
        let rewritten = HeaderRewriter.rewrite(original, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        let output = rewritten.assembled(with: original).bytes
        try Fixture.expectGolden(output, name + ".spam.expected")

        // The body is never touched: the output ends with the original from bodyStart on, and
        // the header we wrote is the only difference.
        let originalBytes = original.bytes
        #expect(rewritten.bodyStart == block.bodyStart)
        #expect(Array(output.suffix(originalBytes.count - rewritten.bodyStart)) == Array(originalBytes[rewritten.bodyStart...]))
        #expect(output.count == rewritten.header.readableBytes + originalBytes.count - rewritten.bodyStart)

        // Every field other than Subject is kept byte for byte, in order.
        let subjectStarts = Set(block.fields(named: "Subject", in: original).map(\.start))
        var searchFrom = 0
        for field in block.fields where !subjectStarts.contains(field.start) {
            let fieldBytes = Array(originalBytes[field.start..<field.contentEnd])
            let header = rewritten.header.bytes
            let found = (searchFrom...max(searchFrom, header.count - fieldBytes.count)).first {
                $0 + fieldBytes.count <= header.count && Array(header[$0..<($0 + fieldBytes.count)]) == fieldBytes
            }
            #expect(found != nil, "field at \(field.start) not kept")
            if let found { searchFrom = found + fieldBytes.count }
        }

        // Each Subject now reads "[SPAM] <original text>", the prefix once, and the original
        // value bytes (encoded words included) are still there unchanged.
        let before = Self.subjects(of: original)
        let after = Self.subjects(of: rewritten.assembled(with: original))
        if before.isEmpty {
            #expect(rewritten.subject.added)
            #expect(after.count == 1)
            #expect(after.first?.decoded == " [SPAM]")
        } else {
            #expect(after.count == before.count)
            for (old, new) in zip(before, after) {
                let trimmed = new.decoded.drop(while: { $0 == " " || $0 == "\t" })
                #expect(trimmed.hasPrefix("[SPAM]"))
                #expect(!trimmed.dropFirst("[SPAM]".count).drop(while: { $0 == " " }).hasPrefix("[SPAM]"))
                let oldValue = Array(old.raw.drop(while: { $0 == 0x20 || $0 == 0x09 }))
                #expect(new.raw.contains(subsequence: oldValue), "original subject bytes not preserved")
                #expect(new.decoded.hasSuffix(old.decoded.drop(while: { $0 == " " || $0 == "\t" })))
            }
        }

        // Tagging twice changes nothing.
        let again = HeaderRewriter.rewrite(rewritten.assembled(with: original), edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(again.subject.prefixed == 0)
        #expect(!again.subject.added)
        #expect(again.assembled(with: rewritten.assembled(with: original)).bytes == output)
    }

    static let whiteListed = [
        "mimekit__japanese.txt", "mailgem__rfc2822_example14.eml", "sisimai__lhost-kddi-01.eml",
        "sisimai__lhost-kddi-01.dos.eml", "sisimai__lhost-kddi-01.mac.eml", "spamassassin__no_body",
        "mime4j__malformedHeader-noheader.msg", "mime4j__malformedHeader-nocrlfcrlf.msg", "mime4j__obsolete.msg",
        "mailgem__raw_email_with_binary_encoded.eml", "mimetools__hdr-fakeout.msg",
    ]

    /// The X- header goes first (after an mbox From line); nothing else changes.
    @Test(arguments: whiteListed)
    func whiteListHeaderGolden(name: String) throws {
        let original = try Fixture.buffer(name)
        let header = SecurityHeader(operation: .pop3, result: .spamAndVirus)
        let rewritten = HeaderRewriter.rewrite(original, edits: HeaderEdits(securityHeader: header))
        let output = rewritten.assembled(with: original).bytes
        try Fixture.expectGolden(output, name + ".white.expected")

        let line = Array("X-Yamaha-Mail-Security: operation=receive; result=spam+virus; match=white".utf8)
        #expect(output.occurrences(of: line) == 1)
        let block = HeaderBlock(parsing: original)
        let eol = block.lineEnding.bytes
        let skip = block.envelopeLine?.count ?? 0
        #expect(Array(output[skip..<(skip + line.count + eol.count)]) == line + eol)
        // Removing the added line gives back the original (plus a separator where there was none).
        var rest = Array(output[..<skip]) + Array(output[(skip + line.count + eol.count)...])
        if block.end == .nonHeaderLine {
            rest.removeSubrange(block.fieldsEnd..<(block.fieldsEnd + eol.count))
        }
        #expect(rest == original.bytes)
    }

    static let spamAndVirus = [
        "mimekit__japanese.txt", "sisimai__lhost-domino-02.eml", "spamassassin__mime-subject.txt", "rspamd__subject1.eml",
    ]

    /// spam+virus: virus prefix then spam prefix (docs/product.md §5); here with non-ASCII prefixes, which
    /// become UTF-8 encoded words.
    @Test(arguments: spamAndVirus)
    func spamAndVirusUTF8PrefixGolden(name: String) throws {
        let original = try Fixture.buffer(name)
        let policy = InspectionPolicy(spamPrefix: "[迷惑メール]", virusPrefix: "[ウイルス]")
        let rewritten = HeaderRewriter.rewrite(original, edits: HeaderEdits(subjectPrefixes: policy.prefixes(for: .spamAndVirus)))
        let output = rewritten.assembled(with: original)
        try Fixture.expectGolden(output.bytes, name + ".spam+virus.expected")
        for subject in Self.subjects(of: output) {
            #expect(subject.decoded.drop(while: { $0 == " " }).hasPrefix("[ウイルス] [迷惑メール] "))
        }
    }
}
