import MessageInspection
import NIOCore
import Testing

/// Inline cases for the subject prefix: each row is a whole message in, the exact message out.
struct SubjectPrefixTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var prefixes: [String]
        var input: String
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain subject", prefixes: ["[SPAM]"],
             input: "From: a@b\r\nSubject: Hello\r\n\r\nbody\r\n",
             expected: "From: a@b\r\nSubject: [SPAM] Hello\r\n\r\nbody\r\n"),
        Case(name: "no space after the colon", prefixes: ["[SPAM]"],
             input: "Subject:Hello\n\nbody",
             expected: "Subject: [SPAM] Hello\n\nbody"),
        Case(name: "tab after the colon is kept", prefixes: ["[SPAM]"],
             input: "Subject:\tHello\n\n",
             expected: "Subject:\t[SPAM] Hello\n\n"),
        Case(name: "empty subject", prefixes: ["[SPAM]"],
             input: "Subject:\r\nTo: x@y\r\n\r\n",
             expected: "Subject: [SPAM]\r\nTo: x@y\r\n\r\n"),
        Case(name: "empty subject with a space", prefixes: ["[SPAM]"],
             input: "Subject: \r\n\r\n",
             expected: "Subject: [SPAM]\r\n\r\n"),
        Case(name: "value on a continuation line", prefixes: ["[SPAM]"],
             input: "Subject:\r\n =?UTF-8?B?44GC?=\r\n\r\n",
             expected: "Subject: [SPAM]\r\n =?UTF-8?B?44GC?=\r\n\r\n"),
        Case(name: "encoded word kept byte for byte", prefixes: ["[SPAM]"],
             input: "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n\r\nx",
             expected: "Subject: [SPAM] =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n\r\nx"),
        // RFC 2047 §2: a line holding an encoded word stays within 76 characters; the fold
        // is at the space we insert, so the original line moves down unchanged.
        Case(name: "encoded-word line would pass 76 characters", prefixes: ["[SPAM]"],
             input: "Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?=\n\n",
             expected: "Subject: [SPAM]\n =?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?=\n\n"),
        Case(name: "plain line of the same length is not folded", prefixes: ["[SPAM]"],
             input: "Subject: " + String(repeating: "p", count: 66) + "\n\n",
             expected: "Subject: [SPAM] " + String(repeating: "p", count: 66) + "\n\n"),
        Case(name: "Shift_JIS encoded word", prefixes: ["[SPAM]"],
             input: "Subject: =?Shift_JIS?B?g2WDWINn?=\r\n\r\n",
             expected: "Subject: [SPAM] =?Shift_JIS?B?g2WDWINn?=\r\n\r\n"),
        Case(name: "Q words mixed with plain words, folded", prefixes: ["[SPAM]"],
             input: "Subject: Re: =?utf-8?q?caf=C3=A9?=\r\n =?utf-8?q?_cr=C3=A8me?= and more\r\n\r\n",
             expected: "Subject: [SPAM] Re: =?utf-8?q?caf=C3=A9?=\r\n =?utf-8?q?_cr=C3=A8me?= and more\r\n\r\n"),
        Case(name: "already prefixed in the ASCII part of ISO-2022-JP", prefixes: ["[SPAM]"],
             input: "Subject: =?ISO-2022-JP?B?W1NQQU1dIBskQiVGJTklSBsoQg==?=\r\n\r\n",
             expected: "Subject: =?ISO-2022-JP?B?W1NQQU1dIBskQiVGJTklSBsoQg==?=\r\n\r\n"),
        Case(name: "already prefixed, plain", prefixes: ["[SPAM]"],
             input: "Subject: [SPAM] Hello\r\n\r\n",
             expected: "Subject: [SPAM] Hello\r\n\r\n"),
        Case(name: "already prefixed inside an encoded word", prefixes: ["[SPAM]"],
             input: "Subject: =?UTF-8?Q?[SPAM]_Hello?=\r\n\r\n",
             expected: "Subject: =?UTF-8?Q?[SPAM]_Hello?=\r\n\r\n"),
        Case(name: "prefix later in the subject is not a prefix", prefixes: ["[SPAM]"],
             input: "Subject: Re: [SPAM] Hello\r\n\r\n",
             expected: "Subject: [SPAM] Re: [SPAM] Hello\r\n\r\n"),
        Case(name: "spam+virus order", prefixes: ["[VIRUS]", "[SPAM]"],
             input: "Subject: Hello\r\n\r\n",
             expected: "Subject: [VIRUS] [SPAM] Hello\r\n\r\n"),
        Case(name: "spam+virus, spam tag already there", prefixes: ["[VIRUS]", "[SPAM]"],
             input: "Subject: [SPAM] Hello\r\n\r\n",
             expected: "Subject: [VIRUS] [SPAM] Hello\r\n\r\n"),
        Case(name: "spam+virus, both there", prefixes: ["[VIRUS]", "[SPAM]"],
             input: "Subject: [VIRUS] [SPAM] Hello\r\n\r\n",
             expected: "Subject: [VIRUS] [SPAM] Hello\r\n\r\n"),
        Case(name: "non-ASCII prefix before plain text", prefixes: ["[迷惑]"],
             input: "Subject: Hello\r\n\r\n",
             expected: "Subject: =?UTF-8?B?W+i/t+aDkV0=?= Hello\r\n\r\n"),
        Case(name: "non-ASCII prefix before an encoded word carries the space", prefixes: ["[迷惑]"],
             input: "Subject: =?UTF-8?B?44GC?=\r\n\r\n",
             expected: "Subject: =?UTF-8?B?W+i/t+aDkV0g?= =?UTF-8?B?44GC?=\r\n\r\n"),
        Case(name: "prefix that looks like an encoded word is encoded", prefixes: ["=?x?="],
             input: "Subject: a\n\n",
             expected: "Subject: =?UTF-8?B?PT94Pz0=?= a\n\n"),
        Case(name: "missing subject added after the last field, LF", prefixes: ["[SPAM]"],
             input: "From: a@b\nTo: c@d\n\nbody\n",
             expected: "From: a@b\nTo: c@d\nSubject: [SPAM]\n\nbody\n"),
        Case(name: "missing subject, last line without line ending", prefixes: ["[SPAM]"],
             input: "From: a@b",
             expected: "From: a@b\r\nSubject: [SPAM]\r\n"),
        Case(name: "empty message", prefixes: ["[SPAM]"],
             input: "",
             expected: "Subject: [SPAM]\r\n"),
        Case(name: "duplicate subjects: both tagged", prefixes: ["[SPAM]"],
             input: "Subject: one\r\nSubject: two\r\n\r\n",
             expected: "Subject: [SPAM] one\r\nSubject: [SPAM] two\r\n\r\n"),
        Case(name: "bare CR line endings", prefixes: ["[SPAM]"],
             input: "To: a@b\rFrom: c@d\r\rbody\r",
             expected: "To: a@b\rFrom: c@d\rSubject: [SPAM]\r\rbody\r"),
        Case(name: "subject name in another case, obsolete space before colon", prefixes: ["[SPAM]"],
             input: "SUBJECT :x\r\n\r\n",
             expected: "SUBJECT : [SPAM] x\r\n\r\n"),
        Case(name: "empty prefixes change nothing", prefixes: ["", ""],
             input: "Subject: x\r\n\r\n",
             expected: "Subject: x\r\n\r\n"),
    ]

    @Test(arguments: cases)
    func prefix(_ row: Case) {
        let message = ByteBuffer(string: row.input)
        let rewritten = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: row.prefixes))
        #expect(String(decoding: rewritten.assembled(with: message).bytes, as: UTF8.self) == row.expected)
    }

    @Test func nonASCIIPrefixDecodesBack() {
        let message = ByteBuffer(string: "Subject: =?UTF-8?B?44GC?= tail\r\n\r\n")
        let out = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[迷惑]"])).assembled(with: message)
        let block = HeaderBlock(parsing: out)
        let field = block.fields(named: "subject", in: out)[0]
        #expect(UnstructuredText.decode(block.unfoldedValue(of: field, in: out)).text == " [迷惑] あ tail")
    }

    @Test func longNonASCIIPrefixIsSplitIntoShortEncodedWords() {
        let prefix = String(repeating: "迷", count: 64)
        let message = ByteBuffer(string: "Subject: x\r\n\r\n")
        let out = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: [prefix])).assembled(with: message)
        let text = String(decoding: out.bytes, as: UTF8.self)
        let words = text.split(separator: " ").filter { $0.hasPrefix("=?") }
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.utf8.count <= 75 })
        let block = HeaderBlock(parsing: out)
        let value = block.unfoldedValue(of: block.fields[0], in: out)
        #expect(UnstructuredText.decode(value).text == " " + prefix + " x")
    }

    /// RFC 5322 §2.1.1: a line we lengthen past 998 octets is folded at the space we insert.
    @Test func foldsWhenTheLineWouldExceed998Octets() {
        let value = String(repeating: "a", count: 985)
        let message = ByteBuffer(string: "Subject: \(value)\r\n\r\nbody")
        let out = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"])).assembled(with: message)
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(text == "Subject: [SPAM]\r\n \(value)\r\n\r\nbody")
        for line in text.split(separator: "\r\n") { #expect(line.utf8.count <= 998) }
        // Unfolded, it reads the same as the unfolded form would.
        let block = HeaderBlock(parsing: out)
        #expect(UnstructuredText.decode(block.unfoldedValue(of: block.fields[0], in: out)).text == " [SPAM] " + value)
    }

    @Test func doesNotFoldAtTheLimit() {
        // "Subject: [SPAM] " + 982 = 998 octets exactly: allowed.
        let value = String(repeating: "b", count: 982)
        let message = ByteBuffer(string: "Subject: \(value)\n\n")
        let out = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"])).assembled(with: message)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "Subject: [SPAM] \(value)\n\n")
    }

    @Test func outcomeCounts() {
        let message = ByteBuffer(string: "Subject: [SPAM] a\r\nSubject: b\r\n\r\n")
        let result = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(result.subject == SubjectOutcome(prefixed: 1, alreadyPrefixed: 1))
    }

    /// The body is returned as an offset: a big body is never copied into the header.
    @Test func bodyIsNotCopied() {
        var message = ByteBuffer(string: "Subject: big\r\n\r\n")
        message.writeRepeatingByte(UInt8(ascii: "x"), count: 4 << 20)
        let result = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(result.header.readableBytes == "Subject: [SPAM] big\r\n\r\n".utf8.count)
        #expect(result.bodyStart == "Subject: big\r\n\r\n".utf8.count)
        #expect(result.remainder(of: message).readableBytes == 4 << 20)
    }
}
