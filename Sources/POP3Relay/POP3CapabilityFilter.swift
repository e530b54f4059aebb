import NIOCore

/// Removes capabilities the relay does not carry from a CAPA listing (RFC 2449 §5).
///
///     S: +OK Capability list follows          A: +OK Capability list follows
///     S: USER                                 A: USER
///     S: STLS                  →  (removed: the relay strips TLS to scan, docs/product.md §3/§8)
///     S: PIPELINING            →  (removed: served in order, but not offered, docs/product.md §3)
///     S: SASL PLAIN XOAUTH2                   A: SASL PLAIN XOAUTH2
///     S: .                                    A: .
///
/// A capability line is its tag (case-insensitive, RFC 2449 §5) and optional parameters.
public enum POP3CapabilityFilter {
    /// docs/product.md §3 and §8: STLS is removed (policy `strip`), PIPELINING until it is supported.
    public static let removedByDefault: Set<String> = ["STLS", "PIPELINING"]

    /// The listing's lines (unstuffed content, any line endings) without the removed tags,
    /// with CRLF, dot-stuffed, terminated by `.` CRLF.
    static func filter(_ listing: ByteBuffer, removing removed: Set<String>) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(listing.readableBytes + 3)
        for line in listing.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var bytes = Array(line)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            let tag = String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self).uppercased()
            if removed.contains(tag) { continue }
            writeStuffed(line: bytes, into: &out)
        }
        out.writeStaticString(".\r\n")
        return out
    }

    /// Writes one short response line dot-stuffed, with CRLF (RFC 1939 §3).
    private static func writeStuffed(line: [UInt8], into out: inout ByteBuffer) {
        if line.first == UInt8(ascii: ".") { out.writeInteger(UInt8(ascii: ".")) }
        out.writeBytes(line)
        out.writeStaticString("\r\n")
    }
}
