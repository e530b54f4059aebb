import NIOCore
import NIOEmbedded
import Testing
@testable import MailProxy

#if canImport(Glibc)
import Glibc
#endif

/// The buffer's logic on an `EmbeddedEventLoop` with scripted spill storage: everything is
/// synchronous, so each step's effect can be checked right after it.
@Suite struct MessageBufferTests {
    let loop = EmbeddedEventLoop()

    func makeBuffer(budget: MemoryBudget = MemoryBudget(), storage: ScriptedSpillStorage = ScriptedSpillStorage(),
                    storeLimit: Int = 10 * 1024 * 1024, threshold: Int = 1024, batch: Int = 256,
                    grain: Int = 1) -> MessageBuffer {
        MessageBuffer(eventLoop: loop, budget: budget, spillStorage: storage,
                      configuration: .init(storeLimit: storeLimit, memoryThreshold: threshold, writeBatchBytes: batch,
                                           budgetGrainBytes: grain))
    }

    static func message(_ size: Int, seed: UInt8 = 0) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes((0..<size).map { UInt8(truncatingIfNeeded: $0 * 31 + Int(seed) + $0 / 251) })
        return buffer
    }

    /// The message cut into slices of `size` bytes (the last shorter): what a relay appends.
    static func slices(of message: ByteBuffer, size: Int) -> [ByteBuffer] {
        stride(from: 0, to: message.readableBytes, by: size).map {
            message.getSlice(at: message.readerIndex + $0, length: min(size, message.readableBytes - $0))!
        }
    }

    func readBack(_ buffer: MessageBuffer, from offset: Int = 0, chunkSize: Int) throws -> [ByteBuffer] {
        let reader = buffer.makeReader(from: offset, chunkSize: chunkSize)
        var chunks: [ByteBuffer] = []
        while let chunk = try #require(reader.next().completedResult).get() {
            chunks.append(chunk)
        }
        return chunks
    }

    static func joined(_ chunks: [ByteBuffer]) -> ByteBuffer {
        var all = ByteBuffer()
        for chunk in chunks { all.writeImmutableBuffer(chunk) }
        return all
    }

    // MARK: in memory

    @Test func smallMessageStaysInMemoryAndReadsBackAsTheSameChunks() throws {
        let budget = MemoryBudget()
        let storage = ScriptedSpillStorage()
        let buffer = makeBuffer(budget: budget, storage: storage, threshold: 1000)
        let message = Self.message(900)
        for slice in Self.slices(of: message, size: 100) {
            let ready = buffer.append(slice)
            #expect(ready.isComplete)                        // no backpressure in memory
        }
        #expect(try #require(buffer.finish().completedResult).get() == ())
        #expect(buffer.byteCount == 900)
        #expect(!buffer.isSpilled)
        #expect(storage.files.isEmpty)
        #expect(budget.counters.inMemoryBytes == 900)

        let chunks = try readBack(buffer, chunkSize: 64 * 1024)
        #expect(chunks.map(\.readableBytes) == Array(repeating: 100, count: 9))   // not merged
        #expect(Self.joined(chunks) == message)
        // Longer than the chunk size: split by slicing.
        #expect(try readBack(buffer, chunkSize: 64).map(\.readableBytes) == Array(repeating: [64, 36], count: 9).flatMap { $0 })
        // From an offset inside the third chunk.
        #expect(Self.joined(try readBack(buffer, from: 250, chunkSize: 1000)) == message.getSlice(at: 250, length: 650)!)

        buffer.discard()
        buffer.discard()
        #expect(budget.counters.inMemoryBytes == 0)
        #expect(try #require(buffer.makeReader().next().completedResult).isFailure)
    }

    @Test func memoryIsChargedInGrainsAndTheUnusedCreditGoesBackAtFinish() throws {
        let budget = MemoryBudget()
        let buffer = makeBuffer(budget: budget, threshold: 10_000, grain: 4096)
        for slice in Self.slices(of: Self.message(5000), size: 50) {   // 100 "lines"
            #expect(buffer.append(slice).isComplete)
        }
        #expect(budget.counters.inMemoryBytes == 8192)     // two grains for 100 appends
        _ = buffer.finish()
        #expect(budget.counters.inMemoryBytes == 5000)     // exactly what is kept

        // The last grain is cut at the threshold; past it, the message spills.
        let capped = makeBuffer(budget: budget, threshold: 6000, grain: 4096)
        _ = capped.append(Self.message(100))
        _ = capped.append(Self.message(2000))
        #expect(budget.counters.inMemoryBytes == 5000 + 4096)
        _ = capped.append(Self.message(3000))
        #expect(budget.counters.inMemoryBytes == 5000 + 6000)   // 4096 + 1904, not 2 × 4096
        _ = capped.append(Self.message(2000))
        #expect(capped.isSpilled)
        #expect(budget.counters.onDiskBytes == 7100)
        #expect(budget.counters.pendingBytes == 2096)            // credit of the spilled grain
        _ = capped.finish()
        #expect(budget.counters.pendingBytes == 0)
        #expect(budget.counters.inMemoryBytes == 5000)
    }

    @Test func aFiveMegabyteMessageAppendedLineByLineIsKeptAsSlicesOfTheReads() throws {
        let budget = MemoryBudget()
        let buffer = makeBuffer(budget: budget, threshold: 8 << 20, grain: MessageBufferLimits.budgetGrainBytes)
        // What the channel delivered: 80 reads of 64 KiB, varied bytes, each stamped with its number.
        let template = Self.message(65_536)
        let reads = (0..<80).map { index -> ByteBuffer in
            var read = template
            read.setInteger(UInt32(index), at: read.readerIndex + 1000)
            return read
        }
        let message = Self.joined(reads)
        let started = ContinuousClock.now
        var appends = 0
        for read in reads {
            for line in Self.slices(of: read, size: 80) {         // one slice per "line"
                #expect(buffer.append(line).isComplete)
                appends += 1
            }
        }
        let elapsed = ContinuousClock.now - started
        print("measured: \(appends) line appends of a 5 MiB message in memory: \(elapsed)")
        _ = buffer.finish()
        #expect(budget.counters.inMemoryBytes == 5 << 20)
        #expect(try buffer.readAll().completedResult?.get() == message)
    }

    @Test func prefixReturnsTheHeaderBlockAcrossChunks() throws {
        let buffer = makeBuffer(threshold: 1000)
        let message = Self.message(500)
        for slice in Self.slices(of: message, size: 70) { _ = buffer.append(slice) }
        _ = buffer.finish()
        #expect(try buffer.prefix(upTo: 50).completedResult?.get() == message.getSlice(at: 0, length: 50))
        #expect(try buffer.prefix(upTo: 333).completedResult?.get() == message.getSlice(at: 0, length: 333))
        #expect(try buffer.prefix(upTo: 10_000).completedResult?.get() == message)
        #expect(try buffer.readAll().completedResult?.get() == message)
    }

    @Test func bytesBeyondTheStoreLimitAreCountedNotStored() throws {
        let buffer = makeBuffer(storeLimit: 250, threshold: 1000)
        let message = Self.message(400)
        for slice in Self.slices(of: message, size: 100) { #expect(buffer.append(slice).isComplete) }
        _ = buffer.finish()
        #expect(buffer.byteCount == 400)
        #expect(buffer.storedByteCount == 250)
        #expect(buffer.isOverLimit(399))
        #expect(!buffer.isOverLimit(400))
        #expect(buffer.isTruncated)
        #expect(Self.joined(try readBack(buffer, chunkSize: 1000)) == message.getSlice(at: 0, length: 250)!)
    }

    // MARK: spilling

    @Test func growingPastTheThresholdSpillsEverythingAndReadsBackByteIdentical() throws {
        let budget = MemoryBudget()
        let storage = ScriptedSpillStorage()
        let buffer = makeBuffer(budget: budget, storage: storage, threshold: 1024, batch: 256)
        let message = Self.message(10_000, seed: 7)
        for slice in Self.slices(of: message, size: 100) { _ = buffer.append(slice) }
        #expect(try #require(buffer.finish().completedResult).get() == ())
        #expect(buffer.isSpilled)
        #expect(storage.files.count == 1)
        #expect(storage.files[0].size == 10_000)
        #expect(storage.files[0].writeCount > 10_000 / 1024)         // batched, not one write per chunk
        #expect(budget.counters.spills == 1)
        #expect(budget.counters.onDiskBytes == 10_000)
        #expect(budget.counters.inMemoryBytes == 0)

        for chunkSize in [1, 7, 256, 4096, 65_536] {
            let chunks = try readBack(buffer, chunkSize: chunkSize)
            #expect(chunks.allSatisfy { $0.readableBytes <= chunkSize })
            #expect(Self.joined(chunks) == message, "chunk size \(chunkSize)")
        }
        #expect(Self.joined(try readBack(buffer, from: 9_000, chunkSize: 300)) == message.getSlice(at: 9_000, length: 1_000)!)
        #expect(try buffer.prefix(upTo: 2_000).completedResult?.get() == message.getSlice(at: 0, length: 2_000))

        buffer.discard()
        #expect(storage.files[0].isClosed)
        #expect(budget.counters.onDiskBytes == 0)
    }

    @Test func aTightBudgetSpillsBeforeTheThreshold() throws {
        let budget = MemoryBudget(configuration: .init(totalBytes: 10_000, sessionFloorBytes: 0,
                                                       inMemoryLimitBytes: 500))
        let storage = ScriptedSpillStorage()
        let small = makeBuffer(budget: budget, storage: storage, threshold: 1_000_000)
        _ = small.append(Self.message(400))
        let other = makeBuffer(budget: budget, storage: storage, threshold: 1_000_000)
        _ = other.append(Self.message(200))                // 400 + 200 > 500: this one spills
        #expect(!small.isSpilled)
        #expect(other.isSpilled)
        #expect(budget.counters.spills == 1)
    }

    @Test func appendHoldsBackTheReaderWhileAFullBatchWaitsBehindAWrite() throws {
        let storage = ScriptedSpillStorage(.init(holdWrites: true))
        let budget = MemoryBudget()
        let buffer = makeBuffer(budget: budget, storage: storage, threshold: 100, batch: 200)
        #expect(buffer.append(Self.message(100)).isComplete)     // fits in memory
        let spilling = buffer.append(Self.message(50))             // spill: write of 150 starts
        #expect(storage.files.first?.heldWriteCount == 1)
        #expect(spilling.isComplete)                             // nothing queued behind it yet
        #expect(buffer.append(Self.message(150)).isComplete)     // 150 queued < batch
        let held = buffer.append(Self.message(60))                 // 210 queued ≥ batch: wait
        #expect(!held.isComplete)
        let alsoHeld = buffer.append(Self.message(10))             // the caller may still hand over what it has
        #expect(!alsoHeld.isComplete)
        #expect(budget.counters.pendingBytes == 370)

        storage.completeHeldWrites()                               // first write done, next one (220) starts
        #expect(held.isComplete && alsoHeld.isComplete)
        #expect(storage.files[0].heldWriteCount == 1)

        let finished = buffer.finish()
        #expect(!finished.isComplete)
        storage.completeHeldWrites()
        #expect(try #require(finished.completedResult).get() == ())
        #expect(storage.files[0].size == 370)
        #expect(budget.counters.pendingBytes == 0 && budget.counters.onDiskBytes == 370)
    }

    @Test func discardWhileAWriteIsRunningFailsTheWaitersAndGivesEverythingBack() throws {
        let storage = ScriptedSpillStorage(.init(holdWrites: true))
        let budget = MemoryBudget()
        let buffer = makeBuffer(budget: budget, storage: storage, threshold: 10, batch: 10)
        _ = buffer.append(Self.message(20))
        let waiting = buffer.append(Self.message(20))
        #expect(!waiting.isComplete)
        buffer.discard()
        #expect(try #require(waiting.completedResult).isFailure)
        #expect(storage.files[0].isClosed)
        #expect(budget.counters.inMemoryBytes == 0 && budget.counters.onDiskBytes == 0)
        storage.completeHeldWrites()                               // the late completion changes nothing
        #expect(budget.counters.onDiskBytes == 0)
        #expect(try #require(buffer.append(Self.message(1)).completedResult).error == .discarded)
    }

    // MARK: failures (the caller answers a tempfail)

    @Test func aSpillFileThatCannotBeCreatedFailsTheMessage() throws {
        let budget = MemoryBudget()
        let buffer = makeBuffer(budget: budget, storage: ScriptedSpillStorage(.init(failToOpen: true)), threshold: 10)
        #expect(buffer.append(Self.message(10)).isComplete)
        let spill = buffer.append(Self.message(10))
        #expect(try #require(spill.completedResult).error?.kind == .spillFailed)
        #expect(try #require(buffer.finish().completedResult).error?.kind == .spillFailed)
        #expect(try #require(buffer.append(Self.message(1)).completedResult).error?.kind == .spillFailed)
        #expect(budget.counters.spillFailures == 1)
        #expect(budget.counters.inMemoryBytes == 0)
    }

    @Test func aFullDiskSurfacesAsASpillFailure() throws {
        let budget = MemoryBudget()
        let storage = ScriptedSpillStorage(.init(diskFullAfter: 1000))
        let buffer = makeBuffer(budget: budget, storage: storage, threshold: 100, batch: 100)
        var failure: MessageBufferError?
        for slice in Self.slices(of: Self.message(5000), size: 50) {
            if let error = buffer.append(slice).completedResult?.error { failure = error; break }
        }
        let error = try #require(failure)
        #expect(error.kind == .spillFailed)
        #expect(error.detail.contains("disk full"))
        #expect(storage.files[0].isClosed)
        #expect(budget.counters.spillFailures == 1)
        #expect(budget.counters.inMemoryBytes == 0 && budget.counters.onDiskBytes == 0)
        buffer.discard()                                           // still fine afterwards
    }

    // MARK: lifetime

    @Test func droppingTheBufferWithoutDiscardClosesTheFileAndReleasesTheBudget() throws {
        let budget = MemoryBudget()
        let storage = ScriptedSpillStorage()
        do {
            let buffer = makeBuffer(budget: budget, storage: storage, threshold: 10)
            _ = buffer.append(Self.message(100))
            _ = buffer.finish()
            #expect(budget.counters.onDiskBytes == 100)
        }
        #expect(storage.files[0].isClosed)
        #expect(budget.counters.onDiskBytes == 0 && budget.counters.inMemoryBytes == 0)
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
    var error: MessageBufferError? { if case .failure(let error) = self { error as? MessageBufferError } else { nil } }
}
