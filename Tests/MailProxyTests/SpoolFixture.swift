import Foundation
import MailProxy
import NIOCore
import NIOPosix
import TestSupport

/// A real spool directory in a scratch directory, a thread pool and event loops, torn down after.
struct SpoolFixture {
    let group: MultiThreadedEventLoopGroup
    let threadPool: NIOThreadPool
    let directory: TemporaryDirectory
    let spoolPath: String
    let spool: SpoolDirectory

    var loop: any EventLoop { group.next() }

    static func with<T>(loops: Int = 1, _ body: (SpoolFixture) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        let directory = try TemporaryDirectory(prefix: "mailsec-spool")
        let spoolPath = directory.path("spool")
        do {
            let spool = try SpoolDirectory.open(path: spoolPath, threadPool: threadPool)
            let fixture = SpoolFixture(group: group, threadPool: threadPool, directory: directory,
                                       spoolPath: spoolPath, spool: spool)
            let result = try await body(fixture)
            try await threadPool.shutdownGracefully()
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await threadPool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Open descriptors of this process that point into the spool directory (nameless and
    /// unlinked files show as "<dir>/#inode (deleted)" or "<dir>/spill-… (deleted)").
    var openSpillDescriptors: Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)") else {
                return false
            }
            return target.hasPrefix(spoolPath + "/")
        }.count
    }

    /// Directory entries in the spool directory.
    var spoolEntries: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: spoolPath)) ?? []
    }
}
