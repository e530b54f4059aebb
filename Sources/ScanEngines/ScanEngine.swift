import NIOCore

/// A back end that gives an opinion on a message. Implementations never block the event loop
/// they are called on: CPU work runs on a thread pool, daemons are spoken to with NIO clients.
public protocol ScanEngine: Sendable {
    /// The name reported in `engines` (`builtin`, `clamav`, `spamassassin`, `rspamd`).
    var name: String { get }
    /// Scans `message` (the raw RFC 5322 bytes); the future completes on `eventLoop`.
    func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict>
}
