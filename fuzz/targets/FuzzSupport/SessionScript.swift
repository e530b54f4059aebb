/// A fuzz input read as a session script for a relay machine: a list of records, each a kind
/// byte and, for bytes from a peer, a two-byte length and that many bytes.
///
///     kind % 8:  0, 1, 2, 7  bytes from the client     3, 4  bytes from the server
///                5           a decision / notice from the appliance
///                6           a close, timeout or timer, chosen by the next byte
///
/// The generator of the committed seeds writes this format (fuzz/make-seeds.py); plain
/// corpus files still work, read as a stream of arbitrary records.
public enum SessionStep {
    case client([UInt8])
    case server([UInt8])
    case decision(UInt8)
    case other(UInt8)
}

/// The longest peer chunk one record carries (one read of a socket, roughly).
public let maximumScriptChunk = 4096

extension FuzzInput {
    public mutating func nextStep() -> SessionStep? {
        guard !isEmpty else { return nil }
        switch byte() % 8 {
        case 0, 1, 2, 7: return .client(take(uint16() % (maximumScriptChunk + 1)))
        case 3, 4: return .server(take(uint16() % (maximumScriptChunk + 1)))
        case 5: return .decision(byte())
        default: return .other(byte())
        }
    }
}

/// Whether `bytes` is well-formed as lines: each line ends with CRLF and holds no other CR or LF.
public func isCRLFLines(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 2, bytes[bytes.count - 2] == 0x0D, bytes[bytes.count - 1] == 0x0A else { return false }
    for (i, byte) in bytes.enumerated() {
        if byte == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A) { return false }
        if byte == 0x0A && (i == 0 || bytes[i - 1] != 0x0D) { return false }
    }
    return true
}
