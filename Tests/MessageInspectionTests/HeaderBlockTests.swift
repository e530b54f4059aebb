import MessageInspection
import NIOCore
import Testing
import TestSupport

struct HeaderBlockTests {
    func names(_ block: HeaderBlock, _ message: ByteBuffer) -> [String] {
        block.fields.map { field in
            String(decoding: message.readableBytesView[(message.readerIndex + field.start)..<(message.readerIndex + field.nameEnd)], as: UTF8.self)
        }
    }

    @Test(arguments: [
        ("A: 1\r\nB: 2\r\n\r\nbody", LineEnding.crlf),
        ("A: 1\nB: 2\n\nbody", LineEnding.lf),
        ("A: 1\rB: 2\r\rbody", LineEnding.cr),
        ("A: 1", LineEnding.crlf),
    ])
    func lineEndingIsTheFirstLines(input: String, ending: LineEnding) {
        let block = HeaderBlock(parsing: ByteBuffer(string: input))
        #expect(block.lineEnding == ending)
    }

    @Test func foldedFieldsAndSeparator() {
        let message = ByteBuffer(string: "Subject: a\r\n b\r\n\tc\r\nTo: x\r\n\r\nbody\r\n")
        let block = HeaderBlock(parsing: message)
        #expect(names(block, message) == ["Subject", "To"])
        #expect(block.fields[0].end == "Subject: a\r\n b\r\n\tc\r\n".utf8.count)
        #expect(block.unfoldedValue(of: block.fields[0], in: message) == Array(" a b\tc".utf8))
        #expect(block.end == .emptyLine)
        #expect(block.bodyStart == "Subject: a\r\n b\r\n\tc\r\nTo: x\r\n\r\n".utf8.count)
    }

    @Test func noBody() {
        let text = "From: a\r\nSubject: b\r\n"
        let block = HeaderBlock(parsing: ByteBuffer(string: text))
        #expect(block.end == .endOfMessage)
        #expect(block.bodyStart == text.utf8.count)
        #expect(block.fields.count == 2)
    }

    @Test func nonHeaderLineStartsTheBody() throws {
        let message = try Fixture.buffer("mime4j__malformedHeader-nocrlfcrlf.msg")
        let block = HeaderBlock(parsing: message)
        #expect(block.end == .nonHeaderLine)
        #expect(block.fields.count == 1)
        #expect(block.bodyStart == "Subject: this is a subject\r\n".utf8.count)
    }

    @Test func whitespaceOnlyLineBeforeTheBodyIsTheSeparator() throws {
        let message = try Fixture.buffer("mimetools__hdr-fakeout.msg")
        let block = HeaderBlock(parsing: message)
        #expect(block.end == .whitespaceLine)
        #expect(names(block, message).last == "Organization")
        #expect(message.getString(at: block.bodyStart, length: 10) == "The header")
    }

    @Test func obsoleteSyntax() throws {
        let message = try Fixture.buffer("mime4j__obsolete.msg")
        let block = HeaderBlock(parsing: message)
        // "Subject :", a white-space-only continuation line, 8-bit bytes in a name and white
        // space before the colon are all taken as fields.
        #expect(block.fields.count == 4)
        #expect(block.fields(named: "subject", in: message).count == 1)
        #expect(block.fields(named: "HeaderWithWSP", in: message).count == 1)
        #expect(block.end == .emptyLine)
        let subject = block.fields(named: "subject", in: message)[0]
        #expect(UnstructuredText.decode(block.unfoldedValue(of: subject, in: message)).text
                == "The obsolete syntax allow spaces before the colon        and also empty lines in folding.")
    }

    @Test func mboxFromLineIsKeptFirst() throws {
        let message = try Fixture.buffer("mailgem__raw_email_with_binary_encoded.eml")
        let block = HeaderBlock(parsing: message)
        #expect(block.envelopeLine == 0..<"From email_test@me.nowhere\r\n".utf8.count)
        #expect(block.fields(named: "Subject", in: message).count == 2)
    }

    @Test func mixedLineEndingsInOneField() throws {
        let message = try Fixture.buffer("spamassassin__nice_004")
        let block = HeaderBlock(parsing: message)
        #expect(block.lineEnding == .crlf)
        #expect(block.end == .emptyLine)
        #expect(block.fields(named: "Content-Type", in: message).count == 1)
    }

    @Test func hugeFoldedHeader() throws {
        let message = try Fixture.buffer("mimekit__stack-overflow.txt")
        let block = HeaderBlock(parsing: message)
        #expect(block.end == .emptyLine)
        #expect(block.fields(named: "To", in: message).count == 1)
        #expect(block.bodyStart > 100_000)
    }

    /// A message that never ends its header block is cut at the last whole field before the
    /// limit; the remainder is left as it is.
    @Test func headerBlockLimit() {
        var message = ByteBuffer()
        var count = 0
        while message.readableBytes < HeaderLimits.maximumHeaderBlockOctets + 1000 {
            message.writeString("X-Filler-\(count): \(String(repeating: "v", count: 100))\r\n")
            count += 1
        }
        let block = HeaderBlock(parsing: message)
        #expect(block.end == .limitReached)
        #expect(block.fieldsEnd <= HeaderLimits.maximumHeaderBlockOctets)
        #expect(block.fieldsEnd == block.fields.last!.end)
        #expect(block.bodyStart == block.fieldsEnd)
        let rewritten = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(rewritten.subject.notFoundWithinLimits)
        #expect(!rewritten.subject.added)
        #expect(rewritten.assembled(with: message).bytes == message.bytes)
    }

    @Test func oneHugeLineWithoutEnding() {
        var message = ByteBuffer(string: "Subject: ")
        message.writeRepeatingByte(UInt8(ascii: "a"), count: HeaderLimits.maximumHeaderBlockOctets + 10)
        let block = HeaderBlock(parsing: message)
        #expect(block.end == .limitReached)
        #expect(block.fields.isEmpty)
        #expect(block.bodyStart == 0)
    }

    @Test func fieldCountLimit() {
        var message = ByteBuffer()
        for index in 0..<(HeaderLimits.maximumFieldCount + 5) { message.writeString("A\(index): x\n") }
        message.writeString("\nbody")
        let block = HeaderBlock(parsing: message)
        #expect(block.fields.count == HeaderLimits.maximumFieldCount)
        #expect(block.end == .limitReached)
    }

    /// Any bytes give a block, and rewriting them keeps the remainder; fed as a prefix one
    /// byte longer at a time, the parser never reads outside the message.
    @Test func arbitraryBytesNeverCrash() {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet: [UInt8] = Array("Subject: \r\n\t:=?ab".utf8) + [0x00, 0x80, 0xFF, 0x1B]
        for _ in 0..<300 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            for cut in [0, length / 2, length] {
                let message = ByteBuffer(bytes: bytes[0..<cut])
                let block = HeaderBlock(parsing: message)
                #expect(block.bodyStart <= cut && block.fieldsEnd <= block.bodyStart)
                let security = SecurityHeader(operation: .smtp, result: .spam)
                let rewritten = HeaderRewriter.rewrite(message, edits: HeaderEdits(securityHeader: security, subjectPrefixes: ["[SPAM]"]))
                #expect(rewritten.remainder(of: message).bytes == Array(bytes[block.bodyStart..<cut]))
                _ = MessageAddresses(header: block, of: message)
            }
        }
    }

    /// The message fed one byte longer at a time: every cut parses, the fields found are the
    /// same as in the whole message (the last one possibly shorter), and once the separator is
    /// in, the block is the whole message's block.
    @Test(arguments: ["mailgem__rfc2822_example14.eml", "sisimai__lhost-kddi-01.mac.eml", "mime4j__obsolete.msg",
                      "mimetools__hdr-fakeout.msg", "spamassassin__nice_004"])
    func growingPrefixes(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let whole = HeaderBlock(parsing: ByteBuffer(bytes: bytes))
        for cut in 0...min(bytes.count, whole.bodyStart + 3) {
            let block = HeaderBlock(parsing: ByteBuffer(bytes: bytes[0..<cut]))
            #expect(block.fields.count <= whole.fields.count)
            for (index, field) in block.fields.enumerated() {
                #expect(field.start == whole.fields[index].start)
                #expect(field.colon == whole.fields[index].colon)
                if index < block.fields.count - 1 { #expect(field.end == whole.fields[index].end) }
            }
            if cut >= whole.bodyStart && whole.end == .emptyLine {
                #expect(block == whole)
            }
        }
    }

    /// Offsets are relative to the reader index: a buffer that was partly read works too.
    @Test func readerIndexIsRespected() {
        var message = ByteBuffer(string: "JUNKSubject: a\r\n\r\nbody")
        message.moveReaderIndex(forwardBy: 4)
        let rewritten = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(String(decoding: rewritten.assembled(with: message).bytes, as: UTF8.self) == "Subject: [SPAM] a\r\n\r\nbody")
    }
}

