import NIOCore

extension MessageBuffer {
    /// A reader over the stored content from byte `offset` (e.g. the end of the header block,
    /// after a rewritten header was sent). Call after `finish()` succeeded.
    ///
    /// In memory, the chunks are handed out as they were appended, split (never copied or merged)
    /// where one is longer than `chunkSize`; from a spill file, each chunk is one `chunkSize` read.
    public func makeReader(from offset: Int = 0,
                           chunkSize: Int = MessageBufferLimits.defaultReadChunkBytes) -> MessageBufferReader {
        eventLoop.assertInEventLoop()
        precondition(isFinished || isEnded, "MessageBuffer read before finish() completed")
        precondition(offset >= 0 && chunkSize > 0)
        return MessageBufferReader(buffer: self, offset: min(offset, storedByteCount), chunkSize: chunkSize)
    }

    /// The same as an `AsyncSequence`, for async callers (each step hops to the buffer's loop).
    /// Single pass: every iterator made from it shares the one reader.
    public func chunks(from offset: Int = 0,
                       chunkSize: Int = MessageBufferLimits.defaultReadChunkBytes) -> MessageBufferChunks {
        MessageBufferChunks(reader: NIOLoopBound(makeReader(from: offset, chunkSize: chunkSize), eventLoop: eventLoop))
    }

    /// The first `count` stored bytes (fewer if the message is shorter) as one buffer: the header
    /// block for rewriting. No copy when they lie in the first in-memory chunk; otherwise one
    /// allocation of that size, so keep `count` bounded (header blocks: about 1 MiB at most).
    public func prefix(upTo count: Int) -> EventLoopFuture<ByteBuffer> {
        eventLoop.assertInEventLoop()
        precondition(isFinished || isEnded, "MessageBuffer read before finish() completed")
        let wanted = max(0, min(count, storedByteCount))
        switch storage {
        case .memory:
            if let first = chunks.first, first.readableBytes >= wanted {
                return eventLoop.makeSucceededFuture(first.getSlice(at: first.readerIndex, length: wanted)!)
            }
            var result = ByteBufferAllocator().buffer(capacity: wanted)
            for chunk in chunks where result.readableBytes < wanted {
                let take = min(chunk.readableBytes, wanted - result.readableBytes)
                result.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: take)!)
            }
            return eventLoop.makeSucceededFuture(result)
        case .disk(let file):
            return Self.readExactly(file, at: 0, count: wanted, on: eventLoop)
        case .failed(let error):
            return eventLoop.makeFailedFuture(error)
        case .discarded, .opening:
            return eventLoop.makeFailedFuture(MessageBufferError.discarded)
        }
    }

    /// The whole stored message as one contiguous buffer. Costs its full size in memory (outside
    /// the budget): only for a caller that cannot take chunks.
    public func readAll() -> EventLoopFuture<ByteBuffer> {
        prefix(upTo: storedByteCount)
    }

    /// Failed or discarded: reads then fail with the reason instead of tripping a precondition.
    var isEnded: Bool {
        switch storage {
        case .failed, .discarded: true
        case .memory, .opening, .disk: false
        }
    }

    static func readExactly(_ file: any SpillFile, at offset: Int, count: Int,
                            on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
        file.read(at: Int64(offset), count: count, allocator: ByteBufferAllocator(), on: eventLoop)
            .flatMapErrorThrowing { throw MessageBufferError.readFailed($0) }
            .flatMapThrowing { chunk in
                guard chunk.readableBytes == count else {
                    throw MessageBufferError(kind: .readFailed,
                                             detail: "spill file short: \(chunk.readableBytes) of \(count) bytes at \(offset)")
                }
                return chunk
            }
    }
}

/// Reads a finished `MessageBuffer` chunk by chunk, one read at a time, on the buffer's loop.
/// ```
/// func pump() { reader.next().whenSuccess { chunk in guard let chunk else { return done() }; write(chunk); pump() } }
/// ```
public final class MessageBufferReader {
    private let buffer: MessageBuffer
    private var position: Int
    private let chunkSize: Int
    /// In memory: where `position` lies in `buffer.chunks`.
    private var chunkIndex = 0
    private var offsetInChunk = 0
    private var reading = false

    init(buffer: MessageBuffer, offset: Int, chunkSize: Int) {
        self.buffer = buffer
        self.position = offset
        self.chunkSize = chunkSize
        if case .memory = buffer.storage {
            var skip = offset
            while chunkIndex < buffer.chunks.count, skip >= buffer.chunks[chunkIndex].readableBytes {
                skip -= buffer.chunks[chunkIndex].readableBytes
                chunkIndex += 1
            }
            offsetInChunk = skip
        }
    }

    /// Bytes handed out so far, counted from the start of the message.
    public var offset: Int { position }

    /// The next chunk, or nil at the end. Fails if the buffer was discarded or the file failed.
    public func next() -> EventLoopFuture<ByteBuffer?> {
        let eventLoop = buffer.eventLoop
        eventLoop.assertInEventLoop()
        precondition(!reading, "MessageBufferReader.next while a read is running")
        switch buffer.storage {
        case .memory:
            guard chunkIndex < buffer.chunks.count else { return eventLoop.makeSucceededFuture(nil) }
            let chunk = buffer.chunks[chunkIndex]
            let length = min(chunkSize, chunk.readableBytes - offsetInChunk)
            let slice = chunk.getSlice(at: chunk.readerIndex + offsetInChunk, length: length)!
            offsetInChunk += length
            position += length
            if offsetInChunk == chunk.readableBytes {
                chunkIndex += 1
                offsetInChunk = 0
            }
            return eventLoop.makeSucceededFuture(slice)
        case .disk(let file):
            guard position < buffer.storedByteCount else { return eventLoop.makeSucceededFuture(nil) }
            let count = min(chunkSize, buffer.storedByteCount - position)
            reading = true
            return MessageBuffer.readExactly(file, at: position, count: count, on: eventLoop)
                .assumeIsolated()
                .map { chunk -> ByteBuffer? in
                    self.reading = false
                    self.position += count
                    return chunk
                }
                .flatMapErrorThrowing { error in
                    self.reading = false
                    throw error
                }
                .nonisolated()
        case .failed(let error):
            return eventLoop.makeFailedFuture(error)
        case .discarded, .opening:
            return eventLoop.makeFailedFuture(MessageBufferError.discarded)
        }
    }
}

/// `MessageBuffer.chunks(from:chunkSize:)`.
public struct MessageBufferChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let reader: NIOLoopBound<MessageBufferReader>

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: NIOLoopBound<MessageBufferReader>

        public mutating func next() async throws -> ByteBuffer? {
            let reader = self.reader
            return try await reader.eventLoop.flatSubmit { reader.value.next() }.get()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader)
    }
}
