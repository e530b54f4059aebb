import NIOCore

/// The command both protocols end a session with: `QUIT` (RFC 5321 §4.1.1.10, RFC 1939 §6).
public enum QuitCommand {
    /// Whether `bytes`, the first a client sends on a connection or inside TLS, are `QUIT`
    /// (case-insensitive, then the line's end or arguments). A client that verifies the
    /// certificate only after its handshake and rejects it says `QUIT` and nothing else
    /// (Postfix does), so an upgrade followed at once by `QUIT` was not accepted.
    public static func starts(_ bytes: ByteBuffer) -> Bool {
        guard let word = bytes.getBytes(at: bytes.readerIndex, length: min(bytes.readableBytes, 5)),
              word.count >= 4 else { return false }
        let letters = word.prefix(4).map { $0 | 0x20 }  // ASCII letters to lower case
        guard letters == Array("quit".utf8) else { return false }
        return word.count == 4 || word[4] == UInt8(ascii: "\r") || word[4] == UInt8(ascii: "\n") || word[4] == UInt8(ascii: " ")
    }
}
