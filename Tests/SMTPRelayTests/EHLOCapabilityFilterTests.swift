import NIOCore
import Testing
@testable import SMTPRelay

/// Parses a wire reply ("250-a\r\n250 b\r\n") into an SMTPReply.
func parseReply(_ wire: String) throws -> SMTPReply {
    var parser = SMTPReplyParser()
    var reply: SMTPReply?
    for line in wire.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast() {
        reply = try parser.add(ByteBuffer(string: String(line)))
    }
    return try #require(reply)
}

struct FilterCase: CustomTestStringConvertible, Sendable {
    let name: String
    let reply: String
    let filtered: String
    var testDescription: String { name }
}

let filterCases: [FilterCase] = [
    .init(name: "removed capability last: new last line gets the space form",
          reply: "250-mx\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 STARTTLS\r\n",
          filtered: "250-mx\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"),
    .init(name: "every removable capability",
          reply: "250-mx hi\r\n250-PIPELINING\r\n250-chunking\r\n250-BINARYMIME\r\n250-PIPE_CONNECT\r\n250-DSN\r\n250 STARTTLS\r\n",
          filtered: "250-mx hi\r\n250 DSN\r\n"),
    .init(name: "only removable capabilities: the greeting line alone",
          reply: "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n", filtered: "250 mx\r\n"),
    .init(name: "nothing to remove: byte for byte",
          reply: "250-mx\r\n250-AUTH=LOGIN PLAIN\r\n250 SIZE\r\n", filtered: "250-mx\r\n250-AUTH=LOGIN PLAIN\r\n250 SIZE\r\n"),
    .init(name: "keyword prefix is not the keyword",
          reply: "250-mx\r\n250-PIPELININGX\r\n250 STARTTLSX\r\n", filtered: "250-mx\r\n250-PIPELININGX\r\n250 STARTTLSX\r\n"),
    .init(name: "identity-asserting extensions, as Postfix offers them to a trusted client",
          reply: "250-mx.example.com\r\n250-SIZE 10240000\r\n250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT\r\n250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n250 SMTPUTF8\r\n",
          filtered: "250-mx.example.com\r\n250-SIZE 10240000\r\n250 SMTPUTF8\r\n"),
    .init(name: "single line", reply: "250 mx\r\n", filtered: "250 mx\r\n"),
    .init(name: "greeting line never removed", reply: "250-STARTTLS\r\n250 SIZE\r\n", filtered: "250-STARTTLS\r\n250 SIZE\r\n"),
]

@Test(arguments: filterCases)
func ehloCapabilitiesAreFiltered(_ c: FilterCase) throws {
    #expect(EHLOCapabilityFilter.filter(try parseReply(c.reply)).encoded().string == c.filtered)
}

@Test func comcastEHLOReplyLosesPipeliningAndStartTLS() throws {
    let wire = try wireReply("mailkit__comcast-ehlo+pipelining.txt")
    let filtered = EHLOCapabilityFilter.filter(try parseReply(wire)).encoded().string
    #expect(filtered == """
        250-omta06.westchester.pa.mail.comcast.net hello [127.0.0.1], pleased to meet you\r
        250-HELP\r
        250-AUTH LOGIN PLAIN\r
        250-SIZE 36700160\r
        250-ENHANCEDSTATUSCODES\r
        250 8BITMIME\r

        """)
}
