import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that a crash leaves either the old file or the new one, never a part:
/// a temporary file in the same directory is written with its final mode (a key is never
/// readable by others, not even for a moment), fsync'ed and renamed, then the directory is
/// fsync'ed so the rename itself is durable. The same steps as Sources/ControlPlane/ConfigStore.swift,
/// with a mode, for the site CA's files. Blocking: called at start only.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SiteAuthorityError.io("open \(temporary)", errno) }
        // open() applies the umask; the mode must be exactly the one asked for.
        _ = fchmod(fd, mode)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw SiteAuthorityError.io("write \(temporary)", code)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw SiteAuthorityError.io("fsync \(temporary)", code)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw SiteAuthorityError.io("rename \(temporary)", code)
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// The file's bytes, refusing anything larger than `limit` (a key or certificate file is small).
    static func read(_ path: String, limit: Int = TLSInterceptionLimits.maxPEMFileBytes) throws -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw SiteAuthorityError.io("stat \(path)", errno) }
        guard Int(status.st_size) <= limit else { throw SiteAuthorityError.tooLarge(path) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
