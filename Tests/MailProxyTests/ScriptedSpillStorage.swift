import MailProxy
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Spill storage held in memory that answers at once on the caller's loop (so it works on an
/// `EmbeddedEventLoop`) and fails on request: the file cannot be made, or the disk is "full"
/// after some bytes, or writes stay pending until the test lets them go.
final class ScriptedSpillStorage: SpillStorage {
    struct Script {
        var failToOpen = false
        /// Writes that would take the file past this many bytes fail with ENOSPC.
        var diskFullAfter: Int?
        /// Writes wait until `completeHeldWrites()`.
        var holdWrites = false
    }

    private struct State {
        var script: Script
        var files: [File] = []
    }

    private let state: NIOLockedValueBox<State>

    init(_ script: Script = Script()) {
        state = NIOLockedValueBox(State(script: script))
    }

    var script: Script {
        get { state.withLockedValue { $0.script } }
        set { state.withLockedValue { $0.script = newValue } }
    }

    var files: [File] { state.withLockedValue { $0.files } }

    func makeSpillFile(on eventLoop: any EventLoop) -> EventLoopFuture<any SpillFile> {
        let made: File? = state.withLockedValue { state in
            guard !state.script.failToOpen else { return nil }
            let file = File(storage: self)
            state.files.append(file)
            return file
        }
        guard let made else {
            return eventLoop.makeFailedFuture(IOError(errnoCode: EACCES, reason: "scripted: cannot create"))
        }
        return eventLoop.makeSucceededFuture(made)
    }

    /// Completes every held write (on the test's thread: use with an `EmbeddedEventLoop`).
    func completeHeldWrites() {
        for file in files { file.completeHeldWrites() }
    }

    final class File: SpillFile {
        private struct FileState {
            var bytes = ByteBuffer()
            var closed = false
            var writes = 0
            var held: [(promise: EventLoopPromise<Void>, chunks: [ByteBuffer], offset: Int64)] = []
        }

        private unowned let storage: ScriptedSpillStorage
        private let state = NIOLockedValueBox(FileState())

        init(storage: ScriptedSpillStorage) { self.storage = storage }

        var isClosed: Bool { state.withLockedValue { $0.closed } }
        var size: Int { state.withLockedValue { $0.bytes.readableBytes } }
        var writeCount: Int { state.withLockedValue { $0.writes } }
        var heldWriteCount: Int { state.withLockedValue { $0.held.count } }

        func write(_ chunks: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
            if storage.script.holdWrites {
                let promise = eventLoop.makePromise(of: Void.self)
                state.withLockedValue { $0.held.append((promise, chunks, offset)) }
                return promise.futureResult
            }
            do {
                try apply(chunks, at: offset)
                return eventLoop.makeSucceededVoidFuture()
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }

        func completeHeldWrites() {
            let held = state.withLockedValue { state in
                defer { state.held = [] }
                return state.held
            }
            for write in held {
                do {
                    try apply(write.chunks, at: write.offset)
                    write.promise.succeed()
                } catch {
                    write.promise.fail(error)
                }
            }
        }

        private func apply(_ chunks: [ByteBuffer], at offset: Int64) throws {
            let limit = storage.script.diskFullAfter
            try state.withLockedValue { state in
                guard !state.closed else { throw IOError(errnoCode: EBADF, reason: "scripted: closed") }
                let total = chunks.reduce(0) { $0 + $1.readableBytes }
                if let limit, Int(offset) + total > limit {
                    throw IOError(errnoCode: ENOSPC, reason: "scripted: disk full")
                }
                precondition(Int(offset) == state.bytes.readableBytes, "writes must be sequential")
                for chunk in chunks { state.bytes.writeImmutableBuffer(chunk) }
                state.writes += 1
            }
        }

        func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator,
                  on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
            let result: ByteBuffer? = state.withLockedValue { state in
                guard !state.closed else { return nil }
                let available = max(0, min(count, state.bytes.readableBytes - Int(offset)))
                return state.bytes.getSlice(at: Int(offset), length: available)
            }
            guard let result else {
                return eventLoop.makeFailedFuture(IOError(errnoCode: EBADF, reason: "scripted: closed"))
            }
            return eventLoop.makeSucceededFuture(result)
        }

        func close() {
            state.withLockedValue { $0.closed = true }
        }
    }
}
