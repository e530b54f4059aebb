import NIOCore

/// Where a `MessageBuffer` puts the part of a message that does not fit in memory.
/// `SpoolDirectory` is the real one; tests put in storage that fails on purpose.
public protocol SpillStorage: Sendable {
    /// A new, empty file private to one message. Completes on `eventLoop`; never blocks it.
    func makeSpillFile(on eventLoop: any EventLoop) -> EventLoopFuture<any SpillFile>
}

/// One message's spill file. Every call returns at once and completes on the given event loop;
/// the blocking system calls run on a thread pool.
public protocol SpillFile: Sendable {
    /// Writes `chunks` one after the other starting at `offset`, all or fail.
    func write(_ chunks: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void>

    /// Reads up to `count` bytes at `offset` into a new buffer (shorter only at the end of file).
    func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator,
              on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer>

    /// Gives the file back to the system. Idempotent; operations already running finish first,
    /// later ones fail. Must also happen when the last reference goes.
    func close()
}
