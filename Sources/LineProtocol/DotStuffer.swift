import NIOCore

/// Writes a message as SMTP `DATA` content: CRLF line endings, dots stuffed, terminator added.
///
///     message "Hi\n.hidden\n"  →  C: Hi
///                                 C: ..hidden
///                                 C: .
///
/// RFC 5321 §4.5.2: a line starting with `.` gets one more `.`. Dot-stuffing is re-applied to
/// whatever is delivered — never passed through from the input — so content cannot carry a
/// terminator of its own. A bare LF becomes CRLF (RFC 5321 §2.3.8), which also turns `\n.\n`
/// into `\r\n..\r\n`. A bare CR is left as it is: it is not a line ending, so a dot after it is
/// not at the start of a line. A last line without an ending is completed with CRLF before the
/// terminating `.\r\n`.
///
/// Streaming: `encode` may be called with each chunk of the message in turn; `finish` ends it.
public struct DotStuffer: Sendable {
    private var atLineStart = true
    private var lastWasCR = false

    public init() {}

    /// Appends `chunk` to `out`, stuffed and with CRLF line endings.
    public mutating func encode(_ chunk: ByteBuffer, into out: inout ByteBuffer) {
        out.reserveCapacity(minimumWritableBytes: chunk.readableBytes + 16)
        chunk.withUnsafeReadableBytes { bytes in
            let count = bytes.count
            var i = 0
            while i < count {
                if atLineStart {
                    atLineStart = false
                    if bytes[i] == ASCII.dot { out.writeInteger(ASCII.dot) }
                }
                guard let lf = bytes.firstIndex(of: ASCII.lf, from: i) else {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[i..<count]))
                    lastWasCR = bytes[count - 1] == ASCII.cr
                    return
                }
                let crlf = lf > i ? bytes[lf - 1] == ASCII.cr : lastWasCR
                if crlf {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[i...lf]))
                } else {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[i..<lf]))
                    out.writeStaticString("\r\n")
                }
                lastWasCR = false
                atLineStart = true
                i = lf + 1
            }
        }
    }

    /// Completes an unterminated last line and writes the terminating `.\r\n`.
    public mutating func finish(into out: inout ByteBuffer) {
        if !atLineStart {
            out.writeStaticString(lastWasCR ? "\n" : "\r\n")
        }
        out.writeStaticString(".\r\n")
        atLineStart = true
        lastWasCR = false
    }

    /// The whole message as DATA content, terminator included.
    public static func stuff(_ message: ByteBuffer) -> ByteBuffer {
        var stuffer = DotStuffer()
        var out = ByteBuffer()
        out.reserveCapacity(message.readableBytes + message.readableBytes / 32 + 8)
        stuffer.encode(message, into: &out)
        stuffer.finish(into: &out)
        return out
    }
}
