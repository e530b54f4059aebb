import NIOCore

/// Removes capabilities the relay cannot honour from an EHLO reply (RFC 5321 §4.1.1.1), keeping
/// every other line byte for byte.
///
///     S: 250-mx.example.com hello          S: 250-mx.example.com hello
///     S: 250-PIPELINING              →     S: 250-SIZE 1000
///     S: 250-SIZE 1000                     S: 250 8BITMIME
///     S: 250-8BITMIME
///     S: 250 STARTTLS
///
/// The first line is the server's greeting, never a capability. When the removed capability was
/// the last line, the new last line gets the space separator (`250 `) that ends a reply.
public enum EHLOCapabilityFilter {
    /// What the relay removes, and why:
    /// - `PIPELINING` (RFC 2920): commands are served one at a time (a client that pipelines
    ///   anyway is still served, in order);
    /// - `CHUNKING` (RFC 3030): BDAT content would bypass the DATA collector;
    /// - `BINARYMIME` (RFC 3030): needs BDAT;
    /// - `STARTTLS` (RFC 3207): encrypted mail could not be scanned;
    /// - `PIPE_CONNECT` (an early-pipelining extension some servers offer): the same as
    ///   PIPELINING, before the greeting;
    /// - `XCLIENT`, `XFORWARD` (Postfix's identity extensions): they let a client speak for
    ///   another client. The server sees every intercepted session coming from an address it may
    ///   trust for them, so any client behind the appliance could assert any identity; the relay
    ///   refuses the commands too (`SMTPRelayReplies.identityAssertionRefused`).
    public static let removedByDefault: Set<String> = [
        "PIPELINING", "CHUNKING", "BINARYMIME", "STARTTLS", "PIPE_CONNECT", "XCLIENT", "XFORWARD",
    ]

    public static func filter(_ reply: SMTPReply, removing removed: Set<String> = removedByDefault) -> SMTPReply {
        guard reply.lines.count > 1 else { return reply }
        var kept = [reply.lines[0]]
        for index in 1..<reply.lines.count where !removed.contains(keyword(of: reply.text(ofLine: index))) {
            kept.append(reply.lines[index])
        }
        guard kept.count != reply.lines.count else { return reply }
        // The last line must use the space form (RFC 5321 §4.2.1).
        var last = kept[kept.count - 1]
        if last.readableBytes >= 4, last.getInteger(at: last.readerIndex + 3, as: UInt8.self) == UInt8(ascii: "-") {
            var fixed = ByteBuffer()
            fixed.writeImmutableBuffer(last.readSlice(length: 3)!)
            fixed.writeStaticString(" ")
            last.moveReaderIndex(forwardBy: 1)
            fixed.writeImmutableBuffer(last)
            kept[kept.count - 1] = fixed
        }
        return SMTPReply(code: reply.code, lines: kept)
    }

    /// The EHLO keyword of a capability line, upper-cased (RFC 5321 §4.1.1.1 `ehlo-keyword`).
    static func keyword(of text: ByteBuffer) -> String {
        let view = text.readableBytesView
        let end = view.firstIndex(of: UInt8(ascii: " ")) ?? view.endIndex
        return String(decoding: view[view.startIndex..<end], as: UTF8.self).uppercased()
    }
}
