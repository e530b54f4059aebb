import MessageInspection
import NIOCore
import Testing

/// Inputs the fuzz target `fuzz-message-inspection` (fuzz/targets/) found breaking an invariant,
/// kept as fixtures (`Fixtures/fuzz__*`) so the fix stays fixed.
struct FuzzRegressionTests {
    /// Rewrites `message` with `prefixes` and checks what the fuzz target checks: the rewritten
    /// message still has a separator line, the same body after it, and a second rewrite finds
    /// the prefix already there.
    static func expectRewriteKeepsBody(_ message: ByteBuffer, prefixes: [String],
                                       sourceLocation: SourceLocation = #_sourceLocation) -> ByteBuffer {
        let block = HeaderBlock(parsing: message)
        let rewritten = HeaderRewriter.rewrite(message, block: block, edits: HeaderEdits(subjectPrefixes: prefixes))
        let assembled = rewritten.assembled(with: message)
        let again = HeaderBlock(parsing: assembled)
        #expect(again.end == .emptyLine, sourceLocation: sourceLocation)
        let body = message.getSlice(at: message.readerIndex + block.bodyStart, length: message.readableBytes - block.bodyStart)
        let bodyAgain = assembled.getSlice(at: assembled.readerIndex + again.bodyStart,
                                           length: assembled.readableBytes - again.bodyStart)
        #expect(bodyAgain == body, sourceLocation: sourceLocation)
        let second = HeaderRewriter.rewrite(assembled, block: again, edits: HeaderEdits(subjectPrefixes: prefixes))
        #expect(second.subject.prefixed == 0 && !second.subject.added, sourceLocation: sourceLocation)
        return assembled
    }

    /// First line ended by a bare CR (so new lines get CR), separator a bare LF, no Subject: the
    /// added `Subject: [SPAM]` CR and the separator's LF read as one CRLF, the separator was
    /// lost and the body's first line joined the header.
    @Test func addedSubjectBeforeALineFeedSeparatorKeepsTheSeparator() throws {
        let message = try Fixture.buffer("fuzz__cr-first-line-lf-separator.msg")
        #expect(HeaderBlock(parsing: message).end == .emptyLine)
        _ = Self.expectRewriteKeepsBody(message, prefixes: ["[SPAM]"])
    }

    @Test func addedSubjectBeforeALineFeedSeparatorMinimal() {
        let assembled = Self.expectRewriteKeepsBody(ByteBuffer(string: "A: b\rC: d\n\nE: body\n"), prefixes: ["[SPAM]"])
        #expect(String(buffer: assembled) == "A: b\rC: d\nSubject: [SPAM]\n\nE: body\n")
    }

    /// The ordinary bare-CR message keeps CR for the added line.
    @Test func addedSubjectInABareCRMessageUsesCR() {
        let assembled = Self.expectRewriteKeepsBody(ByteBuffer(string: "A: b\rC: d\r\rbody\r"), prefixes: ["[SPAM]"])
        #expect(String(buffer: assembled) == "A: b\rC: d\rSubject: [SPAM]\r\rbody\r")
    }
}
