import NIOCore
import Testing
@testable import LineProtocol
import TestSupport

struct StuffCase: CustomTestStringConvertible, Sendable {
    let name: String
    let message: String
    let wire: String
    var testDescription: String { name }
}

let stuffCases: [StuffCase] = [
    .init(name: "empty", message: "", wire: ".\r\n"),
    .init(name: "CRLF message", message: "a\r\nb\r\n", wire: "a\r\nb\r\n.\r\n"),
    .init(name: "leading dots doubled", message: ".a\r\n..\r\n.\r\nx.y\r\n", wire: "..a\r\n...\r\n..\r\nx.y\r\n.\r\n"),
    .init(name: "bare LF normalised", message: "a\nb\n", wire: "a\r\nb\r\n.\r\n"),
    .init(name: "no final line ending", message: "a\r\nb", wire: "a\r\nb\r\n.\r\n"),
    .init(name: "trailing bare CR completed", message: "a\r", wire: "a\r\n.\r\n"),
    .init(name: "smuggled terminators neutralised", message: "a\n.\nMAIL FROM:<x@y>\n\r\n.\r\n",
          wire: "a\r\n..\r\nMAIL FROM:<x@y>\r\n\r\n..\r\n.\r\n"),
    .init(name: "bare CR kept", message: "a\r.b\r\n", wire: "a\r.b\r\n.\r\n"),
]

@Test(arguments: stuffCases)
func dotStufferIsIndependentOfChunking(_ c: StuffCase) {
    #expect(DotStuffer.stuff(ByteBuffer(string: c.message)).string == c.wire)
    for (name, chunks) in Chunking.all(Array(c.message.utf8)) {
        var stuffer = DotStuffer()
        var out = ByteBuffer()
        for chunk in chunks { stuffer.encode(chunk, into: &out) }
        stuffer.finish(into: &out)
        #expect(out.string == c.wire, "\(name)")
    }
}
