import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The configuration file on disk: read at start and on SIGHUP, written by `save`.
///
/// Writing is atomic: a temporary file in the same directory is written, fsync'ed and
/// renamed over the old one, then the directory is fsync'ed, so a crash at any moment
/// leaves either the old file or the new one, never a half-written config.
/// These calls block on disk I/O: callers run them on a thread pool, never on an event loop.
public struct ConfigStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The file's text; an empty string when it does not exist yet (a fresh box).
    public func read() throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "" }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return String(decoding: data, as: UTF8.self)
    }

    public func write(_ text: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ConfigStoreError.io("open \(temporary)", errno) }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw ConfigStoreError.io("write \(temporary)", code)
            }
            written += n
        }
        bytes.removeAll()
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw ConfigStoreError.io("fsync \(temporary)", code)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw ConfigStoreError.io("rename \(temporary)", code)
        }
        // The rename is durable only once the directory entry is.
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}

public enum ConfigStoreError: Error, CustomStringConvertible {
    case io(String, Int32)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
        }
    }
}
