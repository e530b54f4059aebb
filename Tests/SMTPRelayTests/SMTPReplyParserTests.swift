import NIOCore
import Testing
@testable import SMTPRelay

struct ReplyCase: CustomTestStringConvertible, Sendable {
    let name: String
    let lines: [String]
    /// Expected code of the completed reply, or the error.
    let code: Int?
    let error: SMTPReplyError?
    var testDescription: String { name }
}

let replyCases: [ReplyCase] = [
    .init(name: "single line", lines: ["250 2.1.0 Ok"], code: 250, error: nil),
    .init(name: "bare code", lines: ["250"], code: 250, error: nil),
    .init(name: "multi-line", lines: ["250-mx", "250-SIZE 10", "250 8BITMIME"], code: 250, error: nil),
    .init(name: "empty continuation text", lines: ["250-", "250 ok"], code: 250, error: nil),
    .init(name: "code mismatch", lines: ["250-mx", "251 x"], code: nil, error: .inconsistentCode),
    .init(name: "first digit out of range", lines: ["650 x"], code: nil, error: .malformedLine),
    .init(name: "second digit out of range", lines: ["260 x"], code: nil, error: .malformedLine),
    .init(name: "not a code", lines: ["HTTP/1.1 400 Bad Request"], code: nil, error: .malformedLine),
    .init(name: "bad separator", lines: ["250_x"], code: nil, error: .malformedLine),
    .init(name: "too short", lines: ["25"], code: nil, error: .malformedLine),
    .init(name: "empty line", lines: [""], code: nil, error: .malformedLine),
    // Found by fuzz-smtp-relay: a bare CR in the text reached the client (RFC 5321 §4.2).
    .init(name: "bare CR in the text", lines: ["220 mx ESP\u{0}\r\u{0}"], code: nil, error: .malformedLine),
    .init(name: "bare CR in a continuation", lines: ["250-mx", "250 a\rb"], code: nil, error: .malformedLine),
    .init(name: "too many lines", lines: Array(repeating: "250-x", count: 200), code: nil, error: .tooManyLines),
]

@Test(arguments: replyCases)
func replyParserAssemblesWholeReplies(_ c: ReplyCase) {
    var parser = SMTPReplyParser()
    var reply: SMTPReply?
    var thrown: SMTPReplyError?
    for (index, line) in c.lines.enumerated() {
        do {
            reply = try parser.add(ByteBuffer(string: line))
            if reply != nil { #expect(index == c.lines.count - 1, "completed early") }
        } catch {
            thrown = error
            break
        }
    }
    #expect(reply?.code == c.code)
    #expect(thrown == c.error)
    if let reply {
        #expect(reply.encoded().string == c.lines.map { $0 + "\r\n" }.joined())
    }
}

@Test func replyParserStartsCleanAfterAnError() throws {
    var parser = SMTPReplyParser()
    _ = try parser.add(ByteBuffer(string: "250-a"))
    #expect(throws: SMTPReplyError.inconsistentCode) { try parser.add(ByteBuffer(string: "354 b")) }
    #expect(try parser.add(ByteBuffer(string: "221 bye"))?.code == 221)
}
