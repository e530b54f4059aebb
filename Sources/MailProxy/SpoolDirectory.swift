#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore
import NIOPosix

/// The firmware's spool directory: where messages too large for memory are kept while they are
/// scanned and delivered.
///
/// Spill files never have a name while they hold mail, so none can be left behind, not even when
/// the daemon is killed with SIGKILL or the box loses power:
/// - on Linux the file is opened with `O_TMPFILE`: the kernel creates it without a directory
///   entry; its blocks go back to the file system when the descriptor is closed (or the process
///   dies);
/// - where the file system cannot do that (`EOPNOTSUPP`/`EISDIR`/`EINVAL`), the file is created
///   with a unique name (`spill-<pid>-<random>`, `O_EXCL`) and unlinked at once, keeping only the
///   descriptor. A crash in the microseconds between the two leaves a named file: `open` removes
///   such leftovers at start-up.
///
/// Descriptors are `O_CLOEXEC` (no child process inherits a message), files are 0600 and the
/// directory 0700.
public struct SpoolDirectory: SpillStorage {
    public let path: String
    /// True when spill files are created nameless (`O_TMPFILE`), false for create-and-unlink.
    public let usesNamelessFiles: Bool
    /// How many crash leftovers `open` removed.
    public let removedLeftovers: Int
    private let threadPool: NIOThreadPool

    /// Creates the directory (0700, parents included) if it is missing, refuses a symlink or a
    /// non-directory in its place, and removes leftovers of an earlier run.
    ///
    /// Blocking: call it at start-up before serving (or on the thread pool), not on an event loop.
    public static func open(path: String, threadPool: NIOThreadPool) throws -> SpoolDirectory {
        try open(path: path, threadPool: threadPool, allowNameless: true)
    }

    /// `allowNameless: false` forces create-and-unlink (to test that path where `O_TMPFILE` works).
    static func open(path: String, threadPool: NIOThreadPool, allowNameless: Bool) throws -> SpoolDirectory {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw IOError(errnoCode: errno, reason: "spool directory \(path)")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw IOError(errnoCode: ENOTDIR, reason: "spool directory \(path) is not a directory")
        }
        guard chmod(path, 0o700) == 0 else {
            throw IOError(errnoCode: errno, reason: "chmod 0700 spool directory \(path)")
        }

        var removed = 0
        for name in try manager.contentsOfDirectory(atPath: path)
        where name.hasPrefix(MessageBufferLimits.spillFilePrefix) {
            if unlink(path + "/" + name) == 0 { removed += 1 }
        }

        // Probe once which way this file system supports.
        let nameless: Bool
        switch allowNameless ? openNameless(in: path) : .failure(IOError(errnoCode: EOPNOTSUPP, reason: "not allowed")) {
        case .success(let descriptor):
            _ = systemClose(descriptor)
            nameless = true
        case .failure(let error) where isNamelessUnsupported(error):
            nameless = false
        case .failure(let error):
            throw error
        }
        return SpoolDirectory(path: path, usesNamelessFiles: nameless, removedLeftovers: removed,
                              threadPool: threadPool)
    }

    public func makeSpillFile(on eventLoop: any EventLoop) -> EventLoopFuture<any SpillFile> {
        let path = self.path
        let nameless = usesNamelessFiles
        let threadPool = self.threadPool
        return threadPool.runIfActive(eventLoop: eventLoop) {
            let descriptor = try nameless ? Self.openNameless(in: path).get() : Self.openAndUnlink(in: path)
            return SpoolFile(descriptor: descriptor, threadPool: threadPool) as any SpillFile
        }
    }

    // MARK: system calls (thread pool or start-up only)

    private static func openNameless(in directory: String) -> Result<CInt, IOError> {
        #if os(Linux)
        // O_TMPFILE is a compound macro Swift does not import: (__O_TMPFILE | O_DIRECTORY), where
        // __O_TMPFILE is 020000000 on every Linux architecture glibc supports but alpha/parisc/sparc.
        let oTmpfile: CInt = 0o20000000 | O_DIRECTORY
        let descriptor = systemOpen(directory, oTmpfile | O_RDWR | O_CLOEXEC, 0o600)
        return descriptor >= 0
            ? .success(descriptor)
            : .failure(IOError(errnoCode: errno, reason: "open(O_TMPFILE) in spool directory \(directory)"))
        #else
        return .failure(IOError(errnoCode: EOPNOTSUPP, reason: "no O_TMPFILE on this system"))
        #endif
    }

    private static func isNamelessUnsupported(_ error: IOError) -> Bool {
        [EOPNOTSUPP, EISDIR, EINVAL].contains(error.errnoCode)
    }

    private static func openAndUnlink(in directory: String) throws -> CInt {
        for _ in 0..<4 {
            let name = "\(directory)/\(MessageBufferLimits.spillFilePrefix)\(getpid())-"
                + String(UInt64.random(in: .min ... .max), radix: 16)
            let descriptor = systemOpen(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor < 0 {
                if errno == EEXIST { continue }
                throw IOError(errnoCode: errno, reason: "create spill file in \(directory)")
            }
            guard unlink(name) == 0 else {
                let code = errno
                _ = systemClose(descriptor)
                throw IOError(errnoCode: code, reason: "unlink new spill file in \(directory)")
            }
            return descriptor
        }
        throw IOError(errnoCode: EEXIST, reason: "no unique spill file name in \(directory)")
    }
}

private func systemOpen(_ path: String, _ flags: CInt, _ mode: mode_t) -> CInt {
    #if canImport(Darwin)
    return Darwin.open(path, flags, mode)
    #elseif canImport(Musl)
    return Musl.open(path, flags, mode)
    #else
    return Glibc.open(path, flags, mode)
    #endif
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
