import Foundation
import NIOCore
import Testing
@testable import LineProtocol
import TestSupport

let fixtures = Fixtures(beside: #filePath)

let corpusMessages = [
    "mime4j__bad-newlines-multiple-parts.msg",
    "mime4j__basic-plain-very-long-lines.msg",
    "sisimai__lhost-exchange2007-04.eml",
    "sisimai__lhost-kddi-01.dos.eml",
    "sisimai__lhost-kddi-01.eml",
    "sisimai__lhost-kddi-01.mac.eml",
    "sisimai__lhost-trendmicro-01.eml",
    "spamassassin__crlf-endings",
    "spamassassin__nice_004",
    "spamassassin__sample-nonspam.txt",
]

/// The message as it must arrive after a relay: bare LF → CRLF, a final line ending added.
/// Written independently of `DotStuffer` (a plain loop) so the two check each other.
func normalised(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var previous: UInt8 = 0
    for byte in message {
        if byte == 10 && previous != 13 { out.append(13) }
        out.append(byte)
        previous = byte
    }
    if let last = out.last, last != 10 { out.append(contentsOf: last == 13 ? [10] : [13, 10]) }
    return out
}

@Test(arguments: corpusMessages)
func corpusMessageSurvivesStuffingAndUnstuffing(_ file: String) throws {
    let message = try fixtures.bytes(file)
    let wire = DotStuffer.stuff(ByteBuffer(bytes: message))
    // The wire form has exactly one terminator, at the end.
    #expect(wire.bytes.suffix(5) == Array("\r\n.\r\n".utf8) || wire.bytes == Array(".\r\n".utf8))
    let expected = normalised(message)
    for (name, chunks) in Chunking.all(wire.bytes, randomRuns: 4) {
        let (content, remainder, _) = decodeContent(chunks)
        #expect(content == expected, "\(file) \(name)")
        #expect(remainder == [], "\(file) \(name)")
    }
}

@Test func corpusMessageWithLeadingDotsIsStuffedOnTheWire() throws {
    let message = try String(decoding: fixtures.bytes("spamassassin__sample-nonspam.txt"), as: UTF8.self)
    let dotLines = message.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix(".") }
    #expect(!dotLines.isEmpty)
    let wire = DotStuffer.stuff(ByteBuffer(string: message)).string
    for line in dotLines {
        #expect(wire.contains("\r\n.\(line)\r\n"))
    }
}
