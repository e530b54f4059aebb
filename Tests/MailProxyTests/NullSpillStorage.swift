import MailProxy
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Spill storage that takes every write on the thread pool, like the real one, and keeps
/// nothing: for measuring the process memory of many spilled sessions without writing gigabytes.
struct NullSpillStorage: SpillStorage {
    let threadPool: NIOThreadPool

    func makeSpillFile(on eventLoop: any EventLoop) -> EventLoopFuture<any SpillFile> {
        threadPool.runIfActive(eventLoop: eventLoop) { File(threadPool: threadPool) as any SpillFile }
    }

    struct File: SpillFile {
        let threadPool: NIOThreadPool

        func write(_ chunks: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
            threadPool.runIfActive(eventLoop: eventLoop) { _ = chunks.count }
        }

        func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator,
                  on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
            eventLoop.makeFailedFuture(IOError(errnoCode: ENOTSUP, reason: "null spill storage keeps nothing"))
        }

        func close() {}
    }
}
