import NIOCore

/// Which half of a relayed session: the client side (the mail client's connection; the
/// appliance acts as the server there) or the server side (the real mail server's).
public enum RelaySide: Hashable, Sendable {
    case client
    case server
}

/// What a relay machine asks of the I/O layer: one vocabulary for SMTP and POP3, so one session
/// type runs either machine. `Subject` names the message a scan is for (SMTP: its envelope,
/// POP3: its number), `Notice` is the machine's own news for counters and syslog.
///
/// The stored message always flows one way: SMTP collects from the client and delivers to the
/// server, POP3 collects from the server and delivers to the client.
public enum RelayAction<Subject: Equatable & Sendable, Notice: Equatable & Sendable>: Equatable, Sendable {
    /// Write these bytes to the server.
    case sendToServer(ByteBuffer)
    /// Write these bytes to the client.
    case replyToClient(ByteBuffer)
    /// Open a message store for a new message (memory, spilling to a file: the I/O layer's).
    case startCollecting
    /// Append unstuffed content to the store; the buffer is a slice of what was read.
    case storeContent(ByteBuffer)
    /// Drop what is stored; no more `storeContent` follows for this message.
    case discardCollected
    /// The content is complete: inspect it; answer with the machine's decision event.
    case scanMessage(Subject, size: Int)
    /// Write the stored message to `side` through `DotStuffer` (stuffed, CRLF, the terminating
    /// `.` CRLF added).
    case sendStoredMessage(to: RelaySide)
    /// As `sendStoredMessage`, but `header` first and then the store from octet `storedFrom`
    /// on, stuffed as one stream (a subject prefix or the X- header; the body is not copied).
    case sendRewrittenMessage(to: RelaySide, header: ByteBuffer, storedFrom: Int)
    /// The message is done with: the store can be freed.
    case releaseMessage
    /// Something for counters and syslog.
    case notice(Notice)
    /// Stop reading from the client: too many pipelined commands wait.
    case pauseClientReads
    /// Read from the client again.
    case resumeClientReads
    /// Start TLS on the server side, the appliance as the TLS client (after the writes asked
    /// before); the machine hears `secured(.server)` when the handshake is done, or a close.
    case secureServer
    /// Start TLS on the client side, the appliance as the TLS server with a certificate for
    /// the server's identity (after the writes asked before, which go in plaintext); the
    /// machine hears `secured(.client)` when the handshake is done, or a close.
    case secureClient
    /// Close the client side after writing what was asked before.
    case closeClient
    /// Close the server side after writing what was asked before.
    case closeServer
}
