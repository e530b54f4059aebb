import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
@testable import MailProxy

/// The design target: 1,000 concurrent sessions each holding a 5 MB message within 512 MB of
/// process memory. Serialized so the two measurements do not overlap.
///
/// Durations (debug build, 2 shared cores): about 7 s for the 1,000 sessions (their spill writes
/// go to the thread pool and are dropped: 5 GB on disk is too much for a unit test), about 2 s for
/// the 200 sessions on real spill files (1 GB through the page cache). Figures are printed with
/// the prefix "measured:". The second peak includes what malloc kept from the first test.
@Suite(.serialized) struct MessageBufferMemoryTests {
    static let chunkSize = 64 * 1024
    static let chunksPerMessage = 80                  // 80 × 64 KiB = 5 MiB
    static let processLimit = 512 * 1024 * 1024

    /// Feeds `sessions` messages of 5 MiB concurrently (each in fresh 64 KiB chunks, honouring
    /// backpressure), keeps every buffer until all are finished, and reports the peak RSS.
    static func run(sessions: Int, group: MultiThreadedEventLoopGroup, budget: MemoryBudget,
                    storage: any SpillStorage) async throws -> (buffers: [NIOLoopBound<MessageBuffer>], waits: Int) {
        var admissions: [MemoryBudget.Admission] = []
        var futures: [EventLoopFuture<(NIOLoopBound<MessageBuffer>, Int)>] = []
        for session in 0..<sessions {
            admissions.append(try #require(budget.tryAdmitSession()))
            let loop = group.next()
            futures.append(loop.flatSubmit {
                let buffer = MessageBuffer(eventLoop: loop, budget: budget, spillStorage: storage,
                                           configuration: .init(storeLimit: MessageBufferLimits.hardStoreCap))
                return MessageFeeder.feed(buffer, MessageFeeder.chunks(count: chunksPerMessage, size: chunkSize, seed: session))
                    .assumeIsolated()
                    .map { waits in (NIOLoopBound(buffer, eventLoop: loop), waits) }
                    .nonisolated()
            })
        }
        var buffers: [NIOLoopBound<MessageBuffer>] = []
        var waits = 0
        for future in futures {
            let (buffer, waited) = try await future.get()
            buffers.append(buffer)
            waits += waited
        }
        _ = admissions
        return (buffers, waits)
    }

    static func discardAll(_ buffers: [NIOLoopBound<MessageBuffer>]) async throws {
        for buffer in buffers {
            try await buffer.eventLoop.submit { buffer.value.discard() }.get()
        }
    }

    @Test func thousandSessionsOfFiveMegabytesStayUnder512MB() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let budget = MemoryBudget()
        let before = ProcessMemory.residentBytes
        let peakReset = ProcessMemory.resetPeak()
        let started = ContinuousClock.now

        let (buffers, waits) = try await Self.run(sessions: 1000, group: group, budget: budget,
                                                  storage: NullSpillStorage(threadPool: pool))
        let elapsed = ContinuousClock.now - started
        let peak = ProcessMemory.peakResidentBytes
        let counters = budget.counters
        print("measured: 1000 × 5 MiB (spill writes discarded): \(elapsed), RSS before \(before >> 20) MiB, "
              + "peak \(peak >> 20) MiB (reset: \(peakReset)), budget peak \(counters.peakChargedBytes >> 20) MiB, "
              + "spills \(counters.spills), reader waits \(waits)")

        #expect(buffers.count == 1000)
        #expect(counters.spills == 1000)
        #expect(counters.onDiskBytes == 1000 * Self.chunksPerMessage * Self.chunkSize)
        // Charged memory: the budget, plus at most one chunk per session beyond it.
        #expect(counters.peakChargedBytes <= budget.configuration.totalBytes + 1000 * Self.chunkSize)
        #expect(peak < Self.processLimit)

        try await Self.discardAll(buffers)
        #expect(budget.counters.onDiskBytes == 0 && budget.counters.inMemoryBytes == 0)
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    @Test func twoHundredSessionsOfFiveMegabytesOnRealSpillFiles() async throws {
        try await SpoolFixture.with(loops: 2) { fixture in
            let budget = MemoryBudget()
            let before = ProcessMemory.residentBytes
            let peakReset = ProcessMemory.resetPeak()
            let started = ContinuousClock.now

            let (buffers, waits) = try await Self.run(sessions: 200, group: fixture.group, budget: budget,
                                                      storage: fixture.spool)
            let elapsed = ContinuousClock.now - started
            let peak = ProcessMemory.peakResidentBytes
            let counters = budget.counters
            let descriptors = fixture.openSpillDescriptors
            print("measured: 200 × 5 MiB on spill files: \(elapsed), RSS before \(before >> 20) MiB, "
                  + "peak \(peak >> 20) MiB (reset: \(peakReset)), budget peak \(counters.peakChargedBytes >> 20) MiB, "
                  + "spill files open \(descriptors), reader waits \(waits)")

            #expect(counters.spills == 200)
            #expect(descriptors == 200)
            #expect(fixture.spoolEntries.isEmpty)
            #expect(peak < Self.processLimit)

            // Every 25th message reads back as written.
            for session in stride(from: 0, to: 200, by: 25) {
                let buffer = buffers[session]
                let chunks = try await buffer.eventLoop.flatSubmit {
                    MessageFeeder.collect(buffer.value.makeReader(chunkSize: Self.chunkSize), on: buffer.eventLoop)
                }.get()
                #expect(chunks.count == Self.chunksPerMessage)
                for (index, chunk) in chunks.enumerated() where chunk != MessageFeeder.pattern(size: Self.chunkSize, value: session + index) {
                    Issue.record("session \(session) chunk \(index) differs")
                    break
                }
            }

            try await Self.discardAll(buffers)
            #expect(waitUntil { fixture.openSpillDescriptors == 0 })
            #expect(budget.counters.onDiskBytes == 0 && budget.counters.inMemoryBytes == 0)
        }
    }
}
