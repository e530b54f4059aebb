import FuzzSupport
import LineProtocol
import NIOCore
import SMTPRelay

/// SMTP framing: `LineFramer`, `DataContentDecoder` and `DotStuffer`, each fed the same bytes in
/// one piece and in chunks chosen by the input, and checked against a plain reference model
/// written from RFC 5321 (§2.3.8 line endings, §4.1.1.4 end of data, §4.5.2 transparency).
///
/// Input: one byte for the framer's line limit, then a list of chunk lengths (one byte each,
/// ended by a 0), then the data.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMTPFraming(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let maximumLineLength = 2 + input.choice(64)
    var cuts: [Int] = []
    while cuts.count < 32, !input.isEmpty {
        let length = Int(input.byte())
        if length == 0 { break }
        cuts.append(length)
    }
    let bytes = input.rest()
    let chunks = split(bytes, at: cuts)

    checkLineFramer(bytes, chunks: chunks, maximumLineLength: maximumLineLength)
    checkLineFramer(bytes, chunks: chunks, maximumLineLength: SMTPLimits.maximumCommandLineLength)
    checkDataContentDecoder(bytes, chunks: chunks)
    checkDotStuffing(bytes, chunks: chunks)
    return 0
}

/// Splits `bytes` into chunks of the given lengths (repeated), the last one taking the rest.
func split(_ bytes: [UInt8], at lengths: [Int]) -> [[UInt8]] {
    guard !lengths.isEmpty else { return [bytes] }
    var chunks: [[UInt8]] = []
    var start = 0
    var index = 0
    while start < bytes.count {
        let end = min(bytes.count, start + lengths[index % lengths.count])
        chunks.append(Array(bytes[start..<end]))
        start = end
        index += 1
    }
    return chunks
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

// MARK: LineFramer

enum FrameModel: Equatable {
    case line([UInt8], LineEnding)
    case tooLong(Int, LineEnding)
}

/// Lines as RFC 5321 §2.3.8 reads them: ended by LF, CRLF when a CR precedes it; a line longer
/// than the limit (ending included) is reported by its length only.
func referenceFrames(_ bytes: [UInt8], maximumLineLength: Int) -> (frames: [FrameModel], rest: Int) {
    var frames: [FrameModel] = []
    var start = 0
    for (i, byte) in bytes.enumerated() where byte == 0x0A {
        let crlf = i > start && bytes[i - 1] == 0x0D
        let ending: LineEnding = crlf ? .crlf : .bareLF
        let length = i + 1 - start
        if length > maximumLineLength {
            frames.append(.tooLong(length, ending))
        } else {
            frames.append(.line(Array(bytes[start..<(i + 1 - (crlf ? 2 : 1))]), ending))
        }
        start = i + 1
    }
    return (frames, bytes.count - start)
}

func checkLineFramer(_ bytes: [UInt8], chunks: [[UInt8]], maximumLineLength: Int) {
    var framer = LineFramer(maximumLineLength: maximumLineLength)
    var frames: [FrameModel] = []
    for chunk in chunks {
        framer.append(ByteBuffer(bytes: chunk))
        while let frame = framer.nextLine() {
            switch frame {
            case .line(let line, let ending): frames.append(.line(line.bytes, ending))
            case .tooLong(let length, let ending): frames.append(.tooLong(length, ending))
            }
        }
        // RFC 5321 §4.5.3.1: whatever waits for its line feed stays under the line limit.
        invariant(framer.bufferedBytes < maximumLineLength,
                  "framer holds \(framer.bufferedBytes) bytes, limit \(maximumLineLength)")
    }
    let reference = referenceFrames(bytes, maximumLineLength: maximumLineLength)
    invariant(frames == reference.frames, "framed lines differ from the reference model")
    invariant(framer.bufferedBytes <= reference.rest, "framer holds more than the unfinished line")
}

// MARK: DataContentDecoder

/// RFC 5321 §4.1.1.4 and §4.5.2 as plain code: the data ends at the first `.` line that is ended
/// by CRLF and follows a CRLF (or opens the content); before it, a line starting with `.` loses
/// that dot unless the line is the lone dot. An unfinished last line that may still become the
/// terminator (`.` or `.\r`) is held back.
func referenceContent(_ bytes: [UInt8]) -> (content: [UInt8], remainderStart: Int?) {
    var terminator: (start: Int, end: Int)?
    if bytes.starts(with: [0x2E, 0x0D, 0x0A]) {
        terminator = (0, 3)
    } else if bytes.count >= 5 {
        for i in 0...(bytes.count - 5)
        where bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x2E && bytes[i + 3] == 0x0D
            && bytes[i + 4] == 0x0A {
            terminator = (i + 2, i + 5)
            break
        }
    }
    let body = bytes[..<(terminator?.start ?? bytes.count)]
    var content: [UInt8] = []
    var lineStart = body.startIndex
    while lineStart < body.endIndex {
        let lineEnd = body[lineStart...].firstIndex(of: 0x0A).map { $0 + 1 }
        let line = Array(body[lineStart..<(lineEnd ?? body.endIndex)])
        if let _ = lineEnd {
            let loneDot = line == [0x2E, 0x0A] || line == [0x2E, 0x0D, 0x0A]
            content += line.first == 0x2E && !loneDot ? Array(line.dropFirst()) : line
        } else if line != [0x2E] && line != [0x2E, 0x0D] {
            content += line.first == 0x2E ? Array(line.dropFirst()) : line
        }
        lineStart = lineEnd ?? body.endIndex
    }
    return (content, terminator?.end)
}

func decode(_ chunks: [[UInt8]]) -> (content: [UInt8], remainder: [UInt8]?, decoder: DataContentDecoder) {
    var decoder = DataContentDecoder()
    var content: [UInt8] = []
    var remainder: [UInt8]?
    for chunk in chunks {
        let outcome = decoder.decode(ByteBuffer(bytes: chunk)) { content += $0.bytes }
        if case .endOfData(let rest) = outcome {
            remainder = (remainder ?? []) + rest.bytes
        }
    }
    return (content, remainder, decoder)
}

func checkDataContentDecoder(_ bytes: [UInt8], chunks: [[UInt8]]) {
    let whole = decode([bytes])
    let chunked = decode(chunks)
    let reference = referenceContent(bytes)
    invariant(whole.content == reference.content, "content differs from the reference model")
    invariant(chunked.content == reference.content, "chunking changed the content")
    invariant(whole.decoder.contentLength == whole.content.count, "contentLength is not the emitted size")
    invariant(chunked.decoder.contentLength == chunked.content.count, "contentLength is not the emitted size")
    let expectedRemainder = reference.remainderStart.map { Array(bytes[$0...]) }
    invariant(whole.remainder == expectedRemainder, "end of data found at the wrong place")
    invariant(chunked.remainder == expectedRemainder, "chunking moved the end of data")
    invariant(whole.decoder.isFinished == (reference.remainderStart != nil), "isFinished is wrong")
}

// MARK: DotStuffer

/// What a message becomes on the wire and back: bare LFs become CRLF (RFC 5321 §2.3.8) and an
/// unfinished last line is completed.
func normalizedLineEndings(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 8)
    for (i, byte) in bytes.enumerated() {
        if byte == 0x0A && (i == 0 || bytes[i - 1] != 0x0D) { out.append(0x0D) }
        out.append(byte)
    }
    if let last = out.last, last != 0x0A {
        if last != 0x0D { out.append(0x0D) }
        out.append(0x0A)
    }
    return out
}

func checkDotStuffing(_ bytes: [UInt8], chunks: [[UInt8]]) {
    let whole = DotStuffer.stuff(ByteBuffer(bytes: bytes)).bytes
    var stuffer = DotStuffer()
    var streamed = ByteBuffer()
    for chunk in chunks { stuffer.encode(ByteBuffer(bytes: chunk), into: &streamed) }
    stuffer.finish(into: &streamed)
    invariant(streamed.bytes == whole, "chunking changed the stuffed output")
    // Stuffing then unstuffing is the identity (up to line-ending normalisation), and the only
    // terminator in the stuffed output is the one at its very end: content cannot end the data.
    let back = decode([whole])
    invariant(back.remainder == [], "stuffed content ended early or not at all")
    invariant(back.content == normalizedLineEndings(bytes), "unstuffing did not give the message back")
}
