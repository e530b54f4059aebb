import NIOCore
import Testing
@testable import LineProtocol
import TestSupport

/// Runs the decoder over `chunks`; returns the content, the remainder (nil if no end of data)
/// and the decoder.
func decodeContent(_ chunks: [ByteBuffer]) -> (content: [UInt8], remainder: [UInt8]?, decoder: DataContentDecoder) {
    var decoder = DataContentDecoder()
    var content: [UInt8] = []
    var remainder: [UInt8]?
    for chunk in chunks {
        if remainder != nil {
            remainder!.append(contentsOf: chunk.readableBytesView)
            continue
        }
        let outcome = decoder.decode(chunk) { content.append(contentsOf: $0.readableBytesView) }
        if case .endOfData(let rest) = outcome { remainder = rest.bytes }
    }
    return (content, remainder, decoder)
}

struct ContentCase: CustomTestStringConvertible, Sendable {
    let name: String
    let wire: String
    let content: String
    /// Bytes after the terminator; nil when the data must not have ended.
    let remainder: String?
    let bareLineFeeds: Int
    var testDescription: String { name }
}

let contentCases: [ContentCase] = [
    .init(name: "empty message", wire: ".\r\n", content: "", remainder: "", bareLineFeeds: 0),
    .init(name: "plain lines", wire: "Subject: a\r\n\r\nbody\r\n.\r\n",
          content: "Subject: a\r\n\r\nbody\r\n", remainder: "", bareLineFeeds: 0),
    .init(name: "stuffed dots removed", wire: "..a\r\n...\r\n..\r\n.\r\n",
          content: ".a\r\n..\r\n.\r\n", remainder: "", bareLineFeeds: 0),
    .init(name: "dot with text removed (RFC 5321 §4.5.2)", wire: ".x\r\n.\r\n",
          content: "x\r\n", remainder: "", bareLineFeeds: 0),
    .init(name: "dot not at line start kept", wire: "a.b\r\na.\r\n.\r\n",
          content: "a.b\r\na.\r\n", remainder: "", bareLineFeeds: 0),
    .init(name: "pipelined command after the terminator", wire: "x\r\n.\r\nMAIL FROM:<a@b>\r\n",
          content: "x\r\n", remainder: "MAIL FROM:<a@b>\r\n", bareLineFeeds: 0),
    .init(name: "bare LF lines accepted and counted", wire: "a\nb\n\r\n.\r\n",
          content: "a\nb\n\r\n", remainder: "", bareLineFeeds: 2),
    .init(name: "no end of data yet", wire: "a\r\n.", content: "a\r\n", remainder: nil, bareLineFeeds: 0),
    .init(name: "no end of data: dot CR held back", wire: "a\r\n.\r", content: "a\r\n", remainder: nil,
          bareLineFeeds: 0),
    // Smuggling attempts: none of these ends the data; what follows stays content.
    .init(name: "smuggling LF.LF", wire: "a\n.\nMAIL FROM:<x@y>\n",
          content: "a\n.\nMAIL FROM:<x@y>\n", remainder: nil, bareLineFeeds: 3),
    .init(name: "smuggling CRLF.LF", wire: "a\r\n.\nMAIL FROM:<x@y>\r\n",
          content: "a\r\n.\nMAIL FROM:<x@y>\r\n", remainder: nil, bareLineFeeds: 1),
    .init(name: "smuggling LF.CRLF", wire: "a\n.\r\nMAIL FROM:<x@y>\r\n",
          content: "a\n.\r\nMAIL FROM:<x@y>\r\n", remainder: nil, bareLineFeeds: 1),
    .init(name: "smuggling CR.CR", wire: "a\r.\rMAIL FROM:<x@y>\r\n",
          content: "a\r.\rMAIL FROM:<x@y>\r\n", remainder: nil, bareLineFeeds: 0),
    .init(name: "smuggling CR.CRLF", wire: "a\r.\r\nMAIL FROM:<x@y>\r\n",
          content: "a\r.\r\nMAIL FROM:<x@y>\r\n", remainder: nil, bareLineFeeds: 0),
    .init(name: "smuggling CRLF.CR", wire: "a\r\n.\rMAIL FROM:<x@y>\r\n",
          content: "a\r\n\rMAIL FROM:<x@y>\r\n", remainder: nil, bareLineFeeds: 0),
    .init(name: "smuggling then the real terminator", wire: "a\n.\nRSET\n\r\n.\r\nQUIT\r\n",
          content: "a\n.\nRSET\n\r\n", remainder: "QUIT\r\n", bareLineFeeds: 3),
    .init(name: "dot after an over-long line is only a terminator on its own line",
          wire: String(repeating: "L", count: 3000) + ".\r\n" + String(repeating: "M", count: 1200) + "\r\n.\r\n",
          content: String(repeating: "L", count: 3000) + ".\r\n" + String(repeating: "M", count: 1200) + "\r\n",
          remainder: "", bareLineFeeds: 0),
    .init(name: "stuffed dot before a bare CR", wire: "..\rx\r\n.\r\n", content: ".\rx\r\n", remainder: "",
          bareLineFeeds: 0),
    .init(name: "dot and bare CR then text", wire: ".\rx\r\n.\r\n", content: "\rx\r\n", remainder: "",
          bareLineFeeds: 0),
]

@Test(arguments: contentCases)
func dataContentDecoderIsIndependentOfChunking(_ c: ContentCase) {
    for (name, chunks) in Chunking.all(Array(c.wire.utf8)) {
        let (content, remainder, decoder) = decodeContent(chunks)
        #expect(String(decoding: content, as: UTF8.self) == c.content, "\(name)")
        #expect(remainder.map { String(decoding: $0, as: UTF8.self) } == c.remainder, "\(name)")
        #expect(decoder.bareLineFeeds == c.bareLineFeeds, "\(name)")
        #expect(decoder.contentLength == content.count, "\(name)")
        #expect(decoder.isFinished == (c.remainder != nil), "\(name)")
    }
}

@Test func dataContentDecoderEmitsSlicesOfItsInput() {
    var decoder = DataContentDecoder()
    let input = ByteBuffer(string: "Subject: a\r\n\r\nbody\r\n.\r\n")
    var pieces: [ByteBuffer] = []
    _ = decoder.decode(input) { pieces.append($0) }
    #expect(pieces.count == 1)
    let shared = input.withUnsafeReadableBytes { a in
        pieces[0].withUnsafeReadableBytes { b in a.baseAddress == b.baseAddress }
    }
    #expect(shared)
}

@Test func dataContentDecoderPassesInputAfterTheEndUntouched() {
    var decoder = DataContentDecoder()
    _ = decoder.decode(ByteBuffer(string: ".\r\n")) { _ in Issue.record("no content expected") }
    let later = decoder.decode(ByteBuffer(string: "NOOP\r\n")) { _ in Issue.record("no content expected") }
    #expect(later == .endOfData(remainder: ByteBuffer(string: "NOOP\r\n")))
}
