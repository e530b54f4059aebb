#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A spill file in the `SpoolDirectory`: an open descriptor to a file that has no name (see
/// `SpoolDirectory` for why), read and written with `pread`/`pwrite` on the thread pool.
///
/// No `fsync`: the file is scratch space for one message and dies with the process; the message
/// is only acknowledged after the real server accepted it (docs/product.md §2.2), so nothing is lost.
///
/// Closing waits for the jobs in flight: a descriptor closed under a running `pread` could be
/// reused by another session's file and hand it someone else's mail.
final class SpoolFile: SpillFile {
    private struct State {
        var descriptor: CInt
        var inFlight = 0
        var closeRequested = false
    }

    private let state: NIOLockedValueBox<State>
    private let threadPool: NIOThreadPool

    init(descriptor: CInt, threadPool: NIOThreadPool) {
        self.state = NIOLockedValueBox(State(descriptor: descriptor))
        self.threadPool = threadPool
    }

    func write(_ chunks: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        threadPool.runIfActive(eventLoop: eventLoop) { [self] in
            let descriptor = try begin()
            defer { end() }
            var position = offset
            for chunk in chunks {
                try chunk.withUnsafeReadableBytes { bytes in
                    var done = 0
                    while done < bytes.count {
                        let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done,
                                             off_t(position) + off_t(done))
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw IOError(errnoCode: errno, reason: "pwrite to spill file")
                        }
                        done += written
                    }
                }
                position += Int64(chunk.readableBytes)
            }
        }
    }

    func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator,
              on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
        threadPool.runIfActive(eventLoop: eventLoop) { [self] in
            let descriptor = try begin()
            defer { end() }
            var buffer = allocator.buffer(capacity: count)
            try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
                var done = 0
                while done < count {
                    let got = pread(descriptor, bytes.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                    if got < 0 {
                        if errno == EINTR { continue }
                        throw IOError(errnoCode: errno, reason: "pread from spill file")
                    }
                    if got == 0 { break }
                    done += got
                }
                return done
            }
            return buffer
        }
    }

    func close() {
        let descriptor: CInt? = state.withLockedValue { state in
            state.closeRequested = true
            return state.inFlight == 0 ? Self.take(&state) : nil
        }
        if let descriptor { Self.closeOffLoop(descriptor, threadPool: threadPool) }
    }

    deinit {
        // Safety net: nothing can be in flight here (every job holds a reference).
        if let descriptor = state.withLockedValue({ Self.take(&$0) }) {
            Self.closeOffLoop(descriptor, threadPool: threadPool)
        }
    }

    private func begin() throws -> CInt {
        try state.withLockedValue { state in
            guard !state.closeRequested, state.descriptor >= 0 else {
                throw IOError(errnoCode: EBADF, reason: "spill file already closed")
            }
            state.inFlight += 1
            return state.descriptor
        }
    }

    /// Runs on the pool thread at the end of each job, so closing here blocks no event loop.
    private func end() {
        let descriptor: CInt? = state.withLockedValue { state in
            state.inFlight -= 1
            return state.closeRequested && state.inFlight == 0 ? Self.take(&state) : nil
        }
        if let descriptor { _ = systemClose(descriptor) }
    }

    private static func take(_ state: inout State) -> CInt? {
        guard state.descriptor >= 0 else { return nil }
        defer { state.descriptor = -1 }
        return state.descriptor
    }

    /// The last close of a nameless file frees its blocks, which can take a while for a large
    /// one: do it on the pool, or right here only if the pool is already gone (shutdown).
    private static func closeOffLoop(_ descriptor: CInt, threadPool: NIOThreadPool) {
        threadPool.submit { _ in _ = systemClose(descriptor) }
    }
}

private func systemClose(_ descriptor: CInt) -> CInt {
    #if canImport(Darwin)
    return Darwin.close(descriptor)
    #elseif canImport(Musl)
    return Musl.close(descriptor)
    #else
    return Glibc.close(descriptor)
    #endif
}
