import MailProxy
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Drives a `MessageBuffer` on its loop the way a relay does: appends until told to wait, goes
/// on when the future completes; and reads a finished buffer back to the end.
enum MessageFeeder {
    /// Appends what `next` yields until it yields nil, then finishes. Returns how often it waited.
    static func feed(_ buffer: MessageBuffer, _ next: @escaping () -> ByteBuffer?) -> EventLoopFuture<Int> {
        var waits = 0
        func step() -> EventLoopFuture<Int> {
            while let chunk = next() {
                let ready = buffer.append(chunk)
                if !ready.isComplete {
                    waits += 1
                    return ready.assumeIsolated().flatMap { step() }.nonisolated()
                }
                if case .failure(let error) = ready.completedResult { return buffer.eventLoop.makeFailedFuture(error) }
            }
            return buffer.finish().assumeIsolated().map { waits }.nonisolated()
        }
        return step()
    }

    /// Every chunk a reader gives, in order.
    static func collect(_ reader: MessageBufferReader, on eventLoop: any EventLoop) -> EventLoopFuture<[ByteBuffer]> {
        var chunks: [ByteBuffer] = []
        func step() -> EventLoopFuture<[ByteBuffer]> {
            reader.next().assumeIsolated().flatMap { chunk -> EventLoopFuture<[ByteBuffer]> in
                guard let chunk else { return eventLoop.makeSucceededFuture(chunks) }
                chunks.append(chunk)
                return step()
            }.nonisolated()
        }
        return step()
    }

    /// `count` chunks of `size` fresh bytes; chunk `i` is filled with `seed + i`.
    static func chunks(count: Int, size: Int, seed: Int) -> () -> ByteBuffer? {
        var index = 0
        return {
            guard index < count else { return nil }
            defer { index += 1 }
            return pattern(size: size, value: seed + index)
        }
    }

    static func pattern(size: Int, value: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        // memset, not writeRepeatingByte: that is a byte loop in a debug build.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            _ = memset(bytes.baseAddress!, Int32(UInt8(truncatingIfNeeded: value)), size)
            return size
        }
        return buffer
    }
}
