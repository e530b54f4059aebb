import NIOCore

/// One message's content (SMTP `DATA`, POP3 `RETR`, already dot-unstuffed) while it is collected,
/// scanned and delivered: in memory while small, in a spill file once it grows past the memory
/// threshold or the global `MemoryBudget` is tight.
///
/// Owned by one session and confined to its event loop: call everything there.
///
/// Collecting:
/// ```
/// let ready = buffer.append(slice)   // the chunks as they came off the channel, never copied
/// ready.whenSuccess { context.read() }   // read on only when the buffer says so
/// ...
/// buffer.finish()                     // every byte stored (written, if spilled)
/// ```
/// `append` returns an already-succeeded future while the message stays in memory, and while a
/// spilled message's unwritten tail is under one write batch; otherwise the future completes when
/// the spill write has caught up. The caller must hold back reading the channel until then; it may
/// still append what it already has (one channel read may give several slices).
///
/// Size: every appended byte is counted (`byteCount`, `isOverLimit`), but only the first
/// `storeLimit` bytes are stored. For a message that will be refused when over size, pass
/// `max size` as the store limit; for one that is relayed unscanned when over size (SMTP over-size
/// action `pass`), pass `MessageBufferLimits.hardStoreCap` so it can still be delivered whole.
/// `isTruncated` says that something was not stored: such a message must not be delivered.
///
/// Reading back (after `finish` succeeded): `makeReader(from:chunkSize:)` or `chunks(chunkSize:)`
/// give the content as a sequence of `ByteBuffer`s (the stored slices themselves while in memory,
/// `chunkSize` reads from the file once spilled), `prefix(upTo:)` the header block, `readAll()` one
/// contiguous copy for a caller that needs it.
///
/// `discard()` frees the memory and closes the spill file; call it when the message is done and
/// from `channelInactive`. Dropping the buffer does the same as a safety net.
public final class MessageBuffer {
    public struct Configuration: Sendable, Equatable {
        /// Bytes beyond this are counted, not stored.
        public var storeLimit: Int
        /// Above this many stored bytes the message goes to a spill file.
        public var memoryThreshold: Int
        /// A spilled message writes in batches of about this size and holds back its reader while
        /// this much waits behind a write in flight.
        public var writeBatchBytes: Int
        /// Memory is charged to the budget in steps of at least this much
        /// (`MessageBufferLimits.budgetGrainBytes`).
        public var budgetGrainBytes: Int

        public init(storeLimit: Int,
                    memoryThreshold: Int = MessageBufferLimits.defaultMemoryThreshold,
                    writeBatchBytes: Int = MessageBufferLimits.spillWriteBatchBytes,
                    budgetGrainBytes: Int = MessageBufferLimits.budgetGrainBytes) {
            precondition(storeLimit >= 0 && memoryThreshold >= 0 && writeBatchBytes > 0 && budgetGrainBytes > 0)
            self.storeLimit = storeLimit
            self.memoryThreshold = memoryThreshold
            self.writeBatchBytes = writeBatchBytes
            self.budgetGrainBytes = budgetGrainBytes
        }
    }

    enum Storage {
        /// All stored content is in `chunks`.
        case memory
        /// Spilling: the file is being created; `chunks` waits for it.
        case opening
        /// Spilled: the file holds `writtenBytes`, a write of `inFlightBytes` may be running and
        /// `chunks` holds what came after.
        case disk(any SpillFile)
        case failed(MessageBufferError)
        case discarded
    }

    public let eventLoop: any EventLoop
    public let configuration: Configuration
    private let budget: MemoryBudget
    private let spillStorage: any SpillStorage

    private(set) var storage = Storage.memory
    private(set) var chunks: [ByteBuffer] = []
    private var chunkBytes = 0
    private var inFlightBytes = 0
    private(set) var writtenBytes = 0

    /// What this buffer has charged to the budget, to give back exactly that. Charged in grains:
    /// `cachedCharge - chunkBytes` (in memory) and `pendingCharge - chunkBytes - inFlightBytes`
    /// (spilled) is credit already charged and not yet used.
    private var cachedCharge = 0
    private var pendingCharge = 0
    private var diskCharge = 0

    /// Handed out by every `append` that need not wait: one future per buffer, not per call, as a
    /// relay may append one slice per line.
    private lazy var alreadyReady: EventLoopFuture<Void> = eventLoop.makeSucceededVoidFuture()
    /// One promise shared by every `append` told to wait.
    private var readyPromise: EventLoopPromise<Void>?
    private var finishPromise: EventLoopPromise<Void>?
    private var finishRequested = false

    /// Every byte appended, stored or not.
    public private(set) var byteCount = 0
    /// The bytes kept (at most `configuration.storeLimit`).
    public private(set) var storedByteCount = 0

    public init(eventLoop: any EventLoop, budget: MemoryBudget, spillStorage: any SpillStorage,
                configuration: Configuration) {
        self.eventLoop = eventLoop
        self.budget = budget
        self.spillStorage = spillStorage
        self.configuration = configuration
    }

    deinit {
        // Safety net for a session that went away without `discard()`. Nothing can be waiting:
        // every pending file operation keeps the buffer alive until it completes.
        if case .disk(let file) = storage { file.close() }
        budget.release(cached: cachedCharge, pending: pendingCharge, onDisk: diskCharge)
        readyPromise?.fail(MessageBufferError.discarded)
        finishPromise?.fail(MessageBufferError.discarded)
    }

    // MARK: state

    /// More was sent than `maxSize` (docs/product.md §2.3: such a message is not scanned).
    public func isOverLimit(_ maxSize: Int) -> Bool { byteCount > maxSize }

    /// Some appended bytes were not stored (beyond `storeLimit`): do not deliver this message.
    public var isTruncated: Bool { byteCount > storedByteCount }

    /// The message went (or is going) to a spill file.
    public var isSpilled: Bool {
        switch storage {
        case .memory: false
        case .opening, .disk: true
        case .failed, .discarded: writtenBytes > 0 || diskCharge > 0
        }
    }

    /// `finish()` was called and every stored byte is in place: reading may begin.
    public var isFinished: Bool {
        guard finishRequested else { return false }
        switch storage {
        case .memory: return true
        case .disk: return inFlightBytes == 0 && chunkBytes == 0
        case .opening, .failed, .discarded: return false
        }
    }

    // MARK: collecting

    /// Adds the next piece of content. The chunk is kept as it is (a slice of what the channel
    /// read is fine; it is neither copied nor merged). See the type's comment for the future.
    public func append(_ chunk: ByteBuffer) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        switch storage {
        case .failed(let error): return eventLoop.makeFailedFuture(error)
        case .discarded: return eventLoop.makeFailedFuture(MessageBufferError.discarded)
        case .memory, .opening, .disk: break
        }
        precondition(!finishRequested, "MessageBuffer.append after finish")

        let incoming = chunk.readableBytes
        byteCount += incoming
        let room = configuration.storeLimit - storedByteCount
        guard incoming > 0, room > 0 else { return readyFuture() }
        let stored = incoming <= room ? chunk : chunk.getSlice(at: chunk.readerIndex, length: room)!
        let size = stored.readableBytes
        storedByteCount += size

        switch storage {
        case .memory:
            if chunkBytes + size <= configuration.memoryThreshold, holdCached(size) {
                chunks.append(stored)
                chunkBytes += size
                return alreadyReady
            }
            budget.beginSpill(movingCached: chunkBytes, releasingCached: cachedCharge - chunkBytes)
            pendingCharge = chunkBytes
            cachedCharge = 0
            keepPending(stored)
            storage = .opening
            openSpillFile()
        case .opening:
            keepPending(stored)
        case .disk(let file):
            let withinBudget = keepPending(stored)
            if inFlightBytes == 0, chunkBytes >= configuration.writeBatchBytes || !withinBudget {
                startWrite(to: file)
            }
        case .failed, .discarded:
            preconditionFailure("unreachable: checked above")
        }
        return readyFuture()
    }

    /// No more content. Succeeds once every stored byte is in memory or written to the file;
    /// fails if the spill failed (the caller then tempfails the message).
    public func finish() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        switch storage {
        case .failed(let error): return eventLoop.makeFailedFuture(error)
        case .discarded: return eventLoop.makeFailedFuture(MessageBufferError.discarded)
        case .disk(let file):
            finishRequested = true
            if inFlightBytes == 0, chunkBytes > 0 { startWrite(to: file) }
        case .memory, .opening:
            finishRequested = true
        }
        if isFinished {
            releaseCredit()
            return alreadyReady
        }
        if finishPromise == nil { finishPromise = eventLoop.makePromise() }
        return finishPromise!.futureResult
    }

    /// Frees the memory, closes (and so deletes) the spill file, fails whatever waits. Idempotent.
    public func discard() {
        eventLoop.assertInEventLoop()
        switch storage {
        case .discarded: return
        case .disk(let file): file.close()
        case .memory, .opening, .failed: break
        }
        storage = .discarded
        drop(failingWaitersWith: .discarded)
    }

    // MARK: spilling

    // MARK: charging the budget

    /// Room for `size` more bytes in memory: from this buffer's credit, else one grain (at least
    /// `size`, at most up to the threshold) from the budget, else exactly what is needed.
    private func holdCached(_ size: Int) -> Bool {
        let need = chunkBytes + size - cachedCharge
        guard need > 0 else { return true }
        let grain = min(max(need, configuration.budgetGrainBytes), configuration.memoryThreshold - cachedCharge)
        for grant in grain > need ? [grain, need] : [need] where budget.tryHoldCached(grant) {
            cachedCharge += grant
            return true
        }
        return false
    }

    /// Keeps a chunk that waits for the spill file, charging it (by the grain) as pending; false
    /// when the budget is now over its total.
    @discardableResult
    private func keepPending(_ chunk: ByteBuffer) -> Bool {
        chunks.append(chunk)
        chunkBytes += chunk.readableBytes
        let need = chunkBytes + inFlightBytes - pendingCharge
        guard need > 0 else { return true }
        let grant = max(need, configuration.budgetGrainBytes)
        pendingCharge += grant
        return budget.holdPending(grant)
    }

    /// Finished: what was charged ahead and not used goes back.
    private func releaseCredit() {
        switch storage {
        case .memory:
            budget.releaseCached(cachedCharge - chunkBytes)
            cachedCharge = chunkBytes
        case .disk:
            budget.release(cached: 0, pending: pendingCharge, onDisk: 0)
            pendingCharge = 0
        case .opening, .failed, .discarded:
            break
        }
    }

    /// Reading may go on unless the file is still being created or a write is running with a
    /// full batch (or an over-budget tail) queued behind it.
    private var mustWait: Bool {
        switch storage {
        case .opening: return true
        case .disk: return inFlightBytes > 0 && (chunkBytes >= configuration.writeBatchBytes || budget.isOverTotal)
        case .memory, .failed, .discarded: return false
        }
    }

    private func readyFuture() -> EventLoopFuture<Void> {
        // Storage that answers at once may already have failed the spill inside this append.
        if case .failed(let error) = storage { return eventLoop.makeFailedFuture(error) }
        if let readyPromise { return readyPromise.futureResult }
        guard mustWait else { return alreadyReady }
        let promise = eventLoop.makePromise(of: Void.self)
        readyPromise = promise
        return promise.futureResult
    }

    private func openSpillFile() {
        spillStorage.makeSpillFile(on: eventLoop).assumeIsolated().whenComplete { result in
            self.spillFileOpened(result)
        }
    }

    private func spillFileOpened(_ result: Result<any SpillFile, any Error>) {
        guard case .opening = storage else {
            // Discarded meanwhile: give the file straight back.
            if case .success(let file) = result { file.close() }
            return
        }
        switch result {
        case .failure(let error):
            fail(.spillFailed(error))
        case .success(let file):
            storage = .disk(file)
            if chunkBytes > 0 { startWrite(to: file) }
            settleWaiters()
        }
    }

    private func startWrite(to file: any SpillFile) {
        var batch: [ByteBuffer] = []
        swap(&batch, &chunks)
        let bytes = chunkBytes
        chunkBytes = 0
        inFlightBytes = bytes
        file.write(batch, at: Int64(writtenBytes), on: eventLoop).assumeIsolated().whenComplete { result in
            self.writeCompleted(bytes: bytes, result)
        }
    }

    private func writeCompleted(bytes: Int, _ result: Result<Void, any Error>) {
        // Failed or discarded meanwhile: everything was already given back.
        guard case .disk(let file) = storage else { return }
        inFlightBytes = 0
        switch result {
        case .failure(let error):
            return fail(.spillFailed(error))
        case .success:
            writtenBytes += bytes
            pendingCharge -= bytes
            diskCharge += bytes
            budget.pendingWritten(bytes)
        }
        if chunkBytes > 0,
           chunkBytes >= configuration.writeBatchBytes || finishRequested || budget.isOverTotal {
            startWrite(to: file)
        }
        settleWaiters()
    }

    private func settleWaiters() {
        if !mustWait, let promise = readyPromise {
            readyPromise = nil
            promise.succeed()
        }
        if isFinished, let promise = finishPromise {
            finishPromise = nil
            releaseCredit()
            promise.succeed()
        }
    }

    private func fail(_ error: MessageBufferError) {
        if case .disk(let file) = storage { file.close() }
        storage = .failed(error)
        budget.recordSpillFailure()
        drop(failingWaitersWith: error)
    }

    private func drop(failingWaitersWith error: MessageBufferError) {
        budget.release(cached: cachedCharge, pending: pendingCharge, onDisk: diskCharge)
        cachedCharge = 0
        pendingCharge = 0
        diskCharge = 0
        chunks = []
        chunkBytes = 0
        inFlightBytes = 0
        if let promise = readyPromise {
            readyPromise = nil
            promise.fail(error)
        }
        if let promise = finishPromise {
            finishPromise = nil
            promise.fail(error)
        }
    }
}
