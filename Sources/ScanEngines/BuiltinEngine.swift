import NIOCore
import NIOPosix

/// `BuiltinScanner` as a `ScanEngine`: decoding up to `--max-body` bytes of MIME is CPU work,
/// so it runs on the thread pool, never on the event loop.
public struct BuiltinEngine: ScanEngine {
    public let name = BuiltinScanner.engineName
    private let threadPool: NIOThreadPool

    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    public func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict> {
        threadPool.runIfActive(eventLoop: eventLoop) {
            BuiltinScanner.scan(Array(message.readableBytesView))
        }
    }

    /// Up while the thread pool runs.
    public func probe(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        threadPool.runIfActive(eventLoop: eventLoop) {}
    }
}
