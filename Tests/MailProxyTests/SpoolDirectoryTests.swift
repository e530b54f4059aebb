import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
@testable import MailProxy

/// The buffer with real spill files: a spool directory on disk, the thread pool, a real loop.
@Suite struct SpoolDirectoryTests {
    @Test func openCreatesAPrivateDirectoryAndRemovesCrashLeftovers() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let scratch = try TemporaryDirectory(prefix: "mailsec-spool")
        let path = scratch.path("var/spool/mailsec")

        let fresh = try SpoolDirectory.open(path: path, threadPool: pool)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(fresh.removedLeftovers == 0)

        // A crash between create and unlink leaves "spill-…"; other files are not ours.
        _ = FileManager.default.createFile(atPath: path + "/spill-4242-abc", contents: Data("mail".utf8))
        _ = FileManager.default.createFile(atPath: path + "/keep.txt", contents: Data())
        chmod(path, 0o755)
        let reopened = try SpoolDirectory.open(path: path, threadPool: pool)
        #expect(reopened.removedLeftovers == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["keep.txt"])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o700)
    }

    @Test func refusesAFileInPlaceOfTheDirectory() throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let scratch = try TemporaryDirectory(prefix: "mailsec-spool")
        _ = FileManager.default.createFile(atPath: scratch.path("spool"), contents: Data())
        #expect(throws: (any Error).self) { try SpoolDirectory.open(path: scratch.path("spool"), threadPool: pool) }
    }

    @Test func fiveMegabytesIn64KiBChunksSpillAndReadBackIdenticalWithNoNameOnDisk() async throws {
        try await SpoolFixture.with { fixture in
            let loop = fixture.loop
            let budget = MemoryBudget()
            let spool = fixture.spool
            let chunkCount = 80                                  // 80 × 64 KiB = 5 MiB
            let buffer = try await loop.submit {
                NIOLoopBound(MessageBuffer(eventLoop: loop, budget: budget, spillStorage: spool,
                                           configuration: .init(storeLimit: MessageBufferLimits.hardStoreCap)),
                             eventLoop: loop)
            }.get()
            _ = try await loop.flatSubmit {
                MessageFeeder.feed(buffer.value, MessageFeeder.chunks(count: chunkCount, size: 65_536, seed: 3))
            }.get()
            #expect(try await loop.submit { buffer.value.isSpilled }.get())
            #expect(budget.counters.onDiskBytes == chunkCount * 65_536)
            #expect(budget.counters.inMemoryBytes == 0)
            #expect(fixture.spoolEntries.isEmpty)                // the spill file never had a name
            #expect(fixture.openSpillDescriptors == 1)

            var expected = ByteBuffer()
            for index in 0..<chunkCount { expected.writeImmutableBuffer(MessageFeeder.pattern(size: 65_536, value: 3 + index)) }
            let header = try await loop.flatSubmit { buffer.value.prefix(upTo: 100_000) }.get()
            #expect(header == expected.getSlice(at: 0, length: 100_000))
            for chunkSize in [4096, 65_536, 100_003, 1 << 20] {
                let chunks = try await loop.flatSubmit {
                    MessageFeeder.collect(buffer.value.makeReader(chunkSize: chunkSize), on: loop)
                }.get()
                #expect(chunks.dropLast().allSatisfy { $0.readableBytes == chunkSize })
                var all = ByteBuffer()
                for chunk in chunks { all.writeImmutableBuffer(chunk) }
                #expect(all == expected, "chunk size \(chunkSize)")
            }
            // The async form, as an async caller (an uploader) would use it.
            let sequence = try await loop.submit { buffer.value.chunks(from: 0, chunkSize: 65_536) }.get()
            var streamed = ByteBuffer()
            var streamedChunks = 0
            for try await chunk in sequence {
                streamed.writeImmutableBuffer(chunk)
                streamedChunks += 1
            }
            #expect(streamedChunks == chunkCount)
            #expect(streamed == expected)

            let shifted = try await loop.flatSubmit {
                MessageFeeder.collect(buffer.value.makeReader(from: 1000, chunkSize: 65_536), on: loop)
            }.get()
            var all = ByteBuffer()
            for chunk in shifted { all.writeImmutableBuffer(chunk) }
            #expect(all == expected.getSlice(at: 1000, length: expected.readableBytes - 1000))

            try await loop.submit { buffer.value.discard() }.get()
            #expect(waitUntil { fixture.openSpillDescriptors == 0 })   // closed (on the pool)
            #expect(budget.counters.onDiskBytes == 0 && budget.counters.inMemoryBytes == 0)
            #expect(budget.counters.spills == 1)
        }
    }

    @Test func aBufferDroppedWithoutDiscardLeavesNoSpillFile() async throws {
        try await SpoolFixture.with { fixture in
            let loop = fixture.loop
            let budget = MemoryBudget()
            let spool = fixture.spool
            let held = try await loop.flatSubmit {
                let buffer = MessageBuffer(eventLoop: loop, budget: budget, spillStorage: spool,
                                           configuration: .init(storeLimit: 1 << 20, memoryThreshold: 1000))
                return MessageFeeder.feed(buffer, MessageFeeder.chunks(count: 10, size: 4096, seed: 0))
                    .assumeIsolated().map { _ in fixture.openSpillDescriptors }.nonisolated()
                // the buffer goes out of scope here, never discarded (a session that died)
            }.get()
            #expect(held == 1)
            #expect(waitUntil { fixture.openSpillDescriptors == 0 })
            #expect(fixture.spoolEntries.isEmpty)
            #expect(budget.counters.onDiskBytes == 0)
        }
    }

    @Test func aSpoolThatCannotTakeFilesFailsTheMessageAsASpillFailure() async throws {
        try await SpoolFixture.with { fixture in
            let loop = fixture.loop
            let budget = MemoryBudget()
            let spool = fixture.spool
            try FileManager.default.removeItem(atPath: fixture.spoolPath)   // the spool vanished under us
            let error = try await loop.flatSubmit {
                let buffer = MessageBuffer(eventLoop: loop, budget: budget, spillStorage: spool,
                                           configuration: .init(storeLimit: 1 << 20, memoryThreshold: 1000))
                return MessageFeeder.feed(buffer, MessageFeeder.chunks(count: 4, size: 1000, seed: 0))
                    .assumeIsolated()
                    .map { _ in MessageBufferError?.none }
                    .recover { $0 as? MessageBufferError }
                    .nonisolated()
            }.get()
            #expect(error?.kind == .spillFailed)
            #expect(error?.detail.contains("No such file") == true)
            #expect(budget.counters.spillFailures == 1)
            #expect(budget.counters.inMemoryBytes == 0)
        }
    }
}

/// The same with the file system's own limits: a real full disk, and create-and-unlink files.
@Suite struct SpoolDirectoryFileSystemTests {
    @Test(.enabled(if: TmpfsMount.isAvailable, "needs root to mount a tiny tmpfs"))
    func aFullSpoolFileSystemFailsTheMessageAsASpillFailure() async throws {
        let disk = try TmpfsMount(sizeBytes: 256 * 1024)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let spool = try SpoolDirectory.open(path: disk.path + "/spool", threadPool: pool)
        let loop = group.next()
        let budget = MemoryBudget()
        let error = try await loop.flatSubmit {
            let buffer = MessageBuffer(eventLoop: loop, budget: budget, spillStorage: spool,
                                       configuration: .init(storeLimit: 1 << 20, memoryThreshold: 1000))
            return MessageFeeder.feed(buffer, MessageFeeder.chunks(count: 16, size: 65_536, seed: 0))
                .assumeIsolated()
                .map { _ in MessageBufferError?.none }
                .recover { $0 as? MessageBufferError }
                .nonisolated()
        }.get()
        #expect(error?.kind == .spillFailed)
        #expect(error?.detail.contains("No space left") == true)
        #expect(budget.counters.spillFailures == 1)
        #expect(budget.counters.inMemoryBytes == 0 && budget.counters.onDiskBytes == 0)
        // The failed file was closed: the space is back.
        #expect(waitUntil {
            var status = statvfs()
            return statvfs(disk.path, &status) == 0 && status.f_bfree == status.f_blocks
        })
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    @Test func createAndUnlinkFilesAlsoLeaveNoName() async throws {
        try await SpoolFixture.with { fixture in
            let spool = try SpoolDirectory.open(path: fixture.spoolPath, threadPool: fixture.threadPool,
                                                allowNameless: false)
            #expect(!spool.usesNamelessFiles)
            let loop = fixture.loop
            let budget = MemoryBudget()
            let buffer = try await loop.submit {
                NIOLoopBound(MessageBuffer(eventLoop: loop, budget: budget, spillStorage: spool,
                                           configuration: .init(storeLimit: 1 << 20, memoryThreshold: 1000)),
                             eventLoop: loop)
            }.get()
            _ = try await loop.flatSubmit {
                MessageFeeder.feed(buffer.value, MessageFeeder.chunks(count: 8, size: 10_000, seed: 9))
            }.get()
            #expect(fixture.spoolEntries.isEmpty)
            #expect(fixture.openSpillDescriptors == 1)
            let all = try await loop.flatSubmit { buffer.value.readAll() }.get()
            var expected = ByteBuffer()
            for index in 0..<8 { expected.writeImmutableBuffer(MessageFeeder.pattern(size: 10_000, value: 9 + index)) }
            #expect(all == expected)
            try await loop.submit { buffer.value.discard() }.get()
            #expect(waitUntil { fixture.openSpillDescriptors == 0 })
        }
    }
}
