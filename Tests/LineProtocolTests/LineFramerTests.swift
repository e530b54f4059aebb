import NIOCore
import Testing
@testable import LineProtocol
import TestSupport

/// A framed line rendered for comparison: "text|CRLF", "text|LF" or "TOO LONG n|CRLF".
private func render(_ frame: LineFramer.Frame) -> String {
    switch frame {
    case .line(let bytes, let ending): return "\(bytes.string)|\(ending == .crlf ? "CRLF" : "LF")"
    case .tooLong(let length, let ending): return "TOO LONG \(length)|\(ending == .crlf ? "CRLF" : "LF")"
    }
}

private func frameAll(_ chunks: [ByteBuffer], maximum: Int) -> (frames: [String], left: Int) {
    var framer = LineFramer(maximumLineLength: maximum)
    var frames: [String] = []
    for chunk in chunks {
        framer.append(chunk)
        while let frame = framer.nextLine() { frames.append(render(frame)) }
    }
    return (frames, framer.bufferedBytes)
}

struct LineFramerCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: String
    let maximum: Int
    let frames: [String]
    /// Bytes left buffered at the end, at most (a discarded over-long tail keeps one byte).
    let leftAtMost: Int
    var testDescription: String { name }
}

let lineFramerCases: [LineFramerCase] = [
    .init(name: "CRLF lines", input: "EHLO a\r\nNOOP\r\n", maximum: 512,
          frames: ["EHLO a|CRLF", "NOOP|CRLF"], leftAtMost: 0),
    .init(name: "bare LF reported", input: "MAIL FROM:<a@b>\nRCPT TO:<c@d>\r\n", maximum: 512,
          frames: ["MAIL FROM:<a@b>|LF", "RCPT TO:<c@d>|CRLF"], leftAtMost: 0),
    .init(name: "bare CR is part of the line", input: "A\rB\r\n", maximum: 512,
          frames: ["A\rB|CRLF"], leftAtMost: 0),
    .init(name: "empty lines", input: "\r\n\n", maximum: 512,
          frames: ["|CRLF", "|LF"], leftAtMost: 0),
    .init(name: "partial line stays buffered", input: "QUIT\r\nNOO", maximum: 512,
          frames: ["QUIT|CRLF"], leftAtMost: 3),
    .init(name: "exactly the limit with CRLF", input: "12345678\r\nX\r\n", maximum: 10,
          frames: ["12345678|CRLF", "X|CRLF"], leftAtMost: 0),
    .init(name: "one over the limit", input: "123456789\r\nX\r\n", maximum: 10,
          frames: ["TOO LONG 11|CRLF", "X|CRLF"], leftAtMost: 0),
    .init(name: "far over the limit, discarded as it arrives",
          input: String(repeating: "x", count: 5000) + "\r\nNOOP\r\n", maximum: 512,
          frames: ["TOO LONG 5002|CRLF", "NOOP|CRLF"], leftAtMost: 0),
    .init(name: "over-long line with bare LF", input: String(repeating: "y", count: 40) + "\nA\n", maximum: 10,
          frames: ["TOO LONG 41|LF", "A|LF"], leftAtMost: 0),
    .init(name: "unterminated over-long line keeps at most one byte",
          input: String(repeating: "z", count: 3000), maximum: 512, frames: [], leftAtMost: 1),
    .init(name: "CR split from its LF at the limit", input: "123456789\r\nOK\r\n", maximum: 11,
          frames: ["123456789|CRLF", "OK|CRLF"], leftAtMost: 0),
]

@Test(arguments: lineFramerCases)
func lineFramerFramesEveryChunkingAlike(_ c: LineFramerCase) {
    for (name, chunks) in Chunking.all(Array(c.input.utf8)) {
        let (frames, left) = frameAll(chunks, maximum: c.maximum)
        #expect(frames == c.frames, "\(name)")
        #expect(left <= c.leftAtMost, "\(name)")
    }
}

@Test func lineFramerBuffersAtMostTheLimitForAnEndlessLine() {
    var framer = LineFramer(maximumLineLength: 512)
    for _ in 0..<1000 {
        framer.append(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1000))
        #expect(framer.nextLine() == nil)
        #expect(framer.bufferedBytes < 512)
    }
    framer.append(ByteBuffer(string: "\r\n"))
    #expect(framer.nextLine() == .tooLong(length: 1_000_002, .crlf))
}

@Test func lineFramerSkipsAnnouncedBytesBufferedAndStillToCome() {
    var framer = LineFramer(maximumLineLength: 512)
    framer.append(ByteBuffer(string: "BDAT 10\r\n0123"))
    #expect(framer.nextLine() == .line(ByteBuffer(string: "BDAT 10"), .crlf))
    framer.skip(10)
    framer.append(ByteBuffer(string: "456"))
    framer.append(ByteBuffer(string: "789QUIT\r\n"))
    #expect(framer.nextLine() == .line(ByteBuffer(string: "QUIT"), .crlf))
    #expect(framer.bufferedBytes == 0)
}

@Test func lineFramerHandsOverUnframedBytes() {
    var framer = LineFramer(maximumLineLength: 512)
    framer.append(ByteBuffer(string: "DATA\r\nSubject: x\r\n.\r\n"))
    #expect(framer.nextLine() == .line(ByteBuffer(string: "DATA"), .crlf))
    #expect(framer.takeBufferedBytes() == ByteBuffer(string: "Subject: x\r\n.\r\n"))
    #expect(framer.nextLine() == nil)
}

@Test func lineFramerLineIsASliceOfTheInputNotACopy() {
    var framer = LineFramer(maximumLineLength: 512)
    let input = ByteBuffer(string: "NOOP\r\n")
    framer.append(input)
    guard case .line(let line, _) = framer.nextLine() else {
        Issue.record("no line")
        return
    }
    let same = input.withUnsafeReadableBytes { a in
        line.withUnsafeReadableBytes { b in a.baseAddress == b.baseAddress }
    }
    #expect(same)
}

@Test func lineFramerStorageStaysBoundedWhenEveryReadEndsInAPartialLine() {
    var framer = LineFramer(maximumLineLength: 512)
    framer.append(ByteBuffer(string: "NO"))
    var lines = 0
    for _ in 0..<10_000 {
        framer.append(ByteBuffer(string: "OP\r\nNOOP\r\nNO"))
        while case .line = framer.nextLine() { lines += 1 }
        #expect(framer.storageCapacity < 4096)
    }
    #expect(lines == 20_000)
    #expect(framer.bufferedBytes == 2)
}
