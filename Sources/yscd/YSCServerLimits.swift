import NIOCore

/// Bounds of the HTTPS front of yscd.
enum YSCServerLimits {
    /// Default `--max-body`: the appliance buffers messages up to 100 MB (docs/product.md §7 `max size`),
    /// plus 1 MiB of margin for the line-ending growth of a re-encoded message.
    static let defaultMaxBody = 100 * 1024 * 1024 + 1024 * 1024
    /// After answering 413 early, at most this much of the unwanted body is read and thrown
    /// away (so the client can read the reply) before the connection is closed.
    static let maxDiscardBytes = 1024 * 1024
    /// A keep-alive connection idle for this long is closed (bounded idle sockets).
    static let idleTimeout = TimeAmount.seconds(120)
    /// Longest `X-Request-Id` echoed back (longer ones are not echoed).
    static let maxRequestIDLength = 128
    /// The first allocation for a body; it grows to the Content-Length or the limit as needed.
    static let initialBodyCapacity = 64 * 1024
}
