/// Why a `MessageBuffer` cannot go on. None of these is the peer's fault: the caller answers with
/// a temporary failure (SMTP `452 4.3.1`, RFC 3463 "mail system full"; POP3 `-ERR [SYS/TEMP]`,
/// RFC 3206) and discards the buffer.
public struct MessageBufferError: Error, Hashable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The spill file could not be created or written (disk full, I/O error, no spool).
        case spillFailed
        /// The spill file could not be read back.
        case readFailed
        /// The buffer was discarded (session gone) while the operation waited.
        case discarded
    }

    public let kind: Kind
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind): \(detail)" }

    static let discarded = MessageBufferError(kind: .discarded, detail: "message buffer discarded")

    static func spillFailed(_ error: any Error) -> MessageBufferError {
        MessageBufferError(kind: .spillFailed, detail: "\(error)")
    }

    static func readFailed(_ error: any Error) -> MessageBufferError {
        MessageBufferError(kind: .readFailed, detail: "\(error)")
    }
}
