import NIOCore

/// A back end that gives an opinion on a message. Implementations never block the event loop
/// they are called on: CPU work runs on a thread pool, daemons are spoken to with NIO clients.
public protocol ScanEngine: Sendable {
    /// The name reported in `engines` (`builtin`, `clamav`, `spamassassin`).
    var name: String { get }
    /// Messages larger than this are not given to this engine (it neither answers nor fails).
    var maxMessageBytes: Int { get }
    /// Scans `message` (the raw RFC 5322 bytes); the future completes on `eventLoop`.
    func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict>
    /// Checks that the engine can answer now (for `GET /v1/health`).
    func probe(on eventLoop: any EventLoop) -> EventLoopFuture<Void>
}

extension ScanEngine {
    public var maxMessageBytes: Int { .max }
}
