import NIOCore
import Testing
@testable import SMTPRelay

struct StatusCase: CustomTestStringConvertible, Sendable {
    let line: String
    let status: String?
    var testDescription: String { line }
}

let statusCases: [StatusCase] = [
    .init(line: "250 2.1.0 Sender ok", status: "2.1.0"),
    .init(line: "550 5.1.1 unknown", status: "5.1.1"),
    .init(line: "451 4.7.1", status: "4.7.1"),
    .init(line: "250 2.0.0 1Yat1n00V1sBWGw3SYaubg mail accepted for delivery", status: "2.0.0"),
    .init(line: "552 5.3.999 x", status: "5.3.999"),
    .init(line: "250 mx.example.com", status: nil),
    .init(line: "250 5.1.0 class mismatch", status: nil),
    .init(line: "250 3.1.0 bad class", status: nil),
    .init(line: "250 2.1.0000 too long", status: nil),
    .init(line: "250 2..0 empty", status: nil),
    .init(line: "250 2.1.0x glued", status: nil),
    .init(line: "250", status: nil),
]

@Test(arguments: statusCases)
func enhancedStatusCodeIsReadFromTheFirstLine(_ c: StatusCase) throws {
    var parser = SMTPReplyParser()
    let reply = try #require(try parser.add(ByteBuffer(string: c.line)))
    #expect(reply.enhancedStatusCode?.description == c.status)
}
