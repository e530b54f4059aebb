import NIOCore

/// Decodes SMTP `DATA` content: removes dot-stuffing and finds the end of data, streaming.
///
///     C: DATA
///     S: 354 End data with <CR><LF>.<CR><LF>
///     C: Subject: hi            → emitted "Subject: hi\r\n"
///     C:                        → emitted "\r\n"
///     C: ..leading dot          → emitted ".leading dot\r\n"   (RFC 5321 §4.5.2: first dot removed)
///     C: .                      → end of data (not emitted)
///
/// End of data is decided on logical lines (RFC 5321 §4.1.1.4): only a line holding a single
/// `.`, ended by CRLF, and following a line that was itself ended by CRLF (or opening the
/// content) ends the data — the octets `\r\n.\r\n`. Nothing else does; this is what stops SMTP
/// smuggling, where a sender hides a second message behind a terminator that the appliance and
/// the next server would read differently.
///
/// Bare line feeds (policy: accepted as line ends inside content, counted in `bareLineFeeds`,
/// normalised to CRLF later by `DotStuffer` on output). Exactly what happens to near-terminators:
/// - `\n.\n`, `\r\n.\n`: the line `.` ended by a bare LF is not a terminator. It is kept as the
///   content line `.` (RFC 5321 §4.5.2 removes a leading dot only when other characters follow,
///   and a lone dot was never stuffed), so on output it is re-stuffed as `..\r\n`.
/// - `\n.\r\n`: the line `.` is ended by CRLF but the line before it by a bare LF, so it is not
///   a terminator either; it is kept as the content line `.` the same way.
/// - `\r.\r`, `\r.\r\n` after text: a bare CR is not a line end (see `LineEnding`), so the dot is
///   in the middle of a line and stays an ordinary byte.
/// - `..` and `.x` at the start of a line lose their first dot (unstuffing), whatever the line
///   ending before them.
///
/// Over-long lines are streamed, never buffered (past the relays' text-line limits, leniency):
/// a `.` after an over-long line is treated exactly like one after a short line, because the
/// decoder looks at logical lines only, never at a length-limited window.
///
/// Memory: constant. Each call emits slices of the input buffer (sharing its storage, no copy);
/// a dot that is removed or held back splits the input into two slices. Only when a held-back
/// `.` or `.\r` turns out to be content are those one or two bytes emitted from a constant.
public struct DataContentDecoder: Sendable {
    public enum Outcome: Equatable, Sendable {
        case needMoreData
        /// The terminator was consumed; `remainder` holds the bytes that followed it (a client's
        /// next, pipelined command).
        case endOfData(remainder: ByteBuffer)
    }

    private enum State: Sendable {
        /// At the first byte of a line; `afterCRLF` tells whether the previous line ended with
        /// CRLF (true at the start of the content).
        case lineStart(afterCRLF: Bool)
        /// A `.` opened the line and is held back.
        case dot(afterCRLF: Bool)
        /// `.\r` opened the line and is held back.
        case dotCR(afterCRLF: Bool)
        /// Inside a line; `lastWasCR` tells whether the byte before the next one is a CR.
        case body(lastWasCR: Bool)
        case finished
    }

    private var state = State.lineStart(afterCRLF: true)

    /// Unstuffed octets emitted so far.
    public private(set) var contentLength = 0
    /// Lines ended by a bare LF so far (RFC 5321 §2.3.8 violations, accepted by policy).
    public private(set) var bareLineFeeds = 0

    public init() {}

    /// Whether the terminator has been seen.
    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Decodes `input`, calling `emit` with each run of unstuffed content, in order.
    /// After the end of data, further input is returned untouched as the remainder.
    public mutating func decode(_ input: ByteBuffer, emit: (ByteBuffer) -> Void) -> Outcome {
        if case .finished = state { return .endOfData(remainder: input) }
        let origin = input.readerIndex
        var remainderStart: Int?
        var emitted = 0
        var bare = 0
        var state = self.state
        input.withUnsafeReadableBytes { bytes in
            let count = bytes.count
            var i = 0
            var runStart = 0
            func flush(to end: Int) {
                if end > runStart {
                    emit(input.getSlice(at: origin + runStart, length: end - runStart)!)
                    emitted += end - runStart
                }
            }
            func emitConstant(_ constant: ByteBuffer) {
                emit(constant)
                emitted += constant.readableBytes
            }
            scan: while i < count {
                switch state {
                case .body(let lastWasCR):
                    guard let lf = bytes.firstIndex(of: ASCII.lf, from: i) else {
                        state = .body(lastWasCR: bytes[count - 1] == ASCII.cr)
                        i = count
                        break scan
                    }
                    let crlf = lf > i ? bytes[lf - 1] == ASCII.cr : lastWasCR
                    if !crlf { bare += 1 }
                    state = .lineStart(afterCRLF: crlf)
                    i = lf + 1
                case .lineStart(let afterCRLF):
                    if bytes[i] == ASCII.dot {
                        flush(to: i)
                        runStart = i + 1
                        state = .dot(afterCRLF: afterCRLF)
                        i += 1
                    } else {
                        state = .body(lastWasCR: false)
                    }
                case .dot(let afterCRLF):
                    switch bytes[i] {
                    case ASCII.cr:
                        // Hold the CR back too: it may belong to the terminator.
                        flush(to: i)
                        runStart = i + 1
                        state = .dotCR(afterCRLF: afterCRLF)
                        i += 1
                    case ASCII.lf:
                        // `.` + bare LF: never a terminator; the lone dot is content.
                        emitConstant(DataContentDecoder.dot)
                        bare += 1
                        state = .lineStart(afterCRLF: false)
                        i += 1
                    default:
                        // Stuffed (RFC 5321 §4.5.2): the held-back dot is dropped.
                        state = .body(lastWasCR: false)
                    }
                case .dotCR(let afterCRLF):
                    if bytes[i] == ASCII.lf {
                        if afterCRLF {
                            // Everything before the held-back `.\r` was already emitted.
                            remainderStart = i + 1
                            state = .finished
                            break scan
                        }
                        // `\n.\r\n`: the line before was not ended by CRLF; content line ".".
                        emitConstant(DataContentDecoder.dotCR)
                        state = .lineStart(afterCRLF: true)
                        i += 1
                    } else {
                        // `.\r` + other: a stuffed dot before a bare CR; the CR is content.
                        emitConstant(DataContentDecoder.cr)
                        state = .body(lastWasCR: true)
                    }
                case .finished:
                    preconditionFailure("finished is handled before scanning")
                }
            }
            if remainderStart == nil { flush(to: count) }
        }
        self.state = state
        contentLength += emitted
        bareLineFeeds += bare
        guard let start = remainderStart else { return .needMoreData }
        return .endOfData(remainder: input.getSlice(at: origin + start, length: input.readableBytes - start)!)
    }

    private static let dot = ByteBuffer(string: ".")
    private static let dotCR = ByteBuffer(string: ".\r")
    private static let cr = ByteBuffer(string: "\r")
}
