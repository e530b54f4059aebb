import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny tmpfs mounted on a scratch directory: a disk that really fills up. Needs root (with
/// CAP_SYS_ADMIN); tests using it are enabled only where a probe mount works.
final class TmpfsMount {
    let path: String

    init(sizeBytes: Int) throws {
        let template = NSTemporaryDirectory() + "mailsec-tmpfs-XXXXXX"
        var name = Array(template.utf8CString)
        guard let made = mkdtemp(&name) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(sizeBytes),mode=0700") == 0 else {
            let code = errno
            rmdir(path)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
    }

    deinit {
        // Detach even if something is still open, so a failing test never leaves a mount.
        _ = umount2(path, CInt(MNT_DETACH))
        rmdir(path)
    }

    static let isAvailable: Bool = (try? TmpfsMount(sizeBytes: 64 * 1024)) != nil
}
