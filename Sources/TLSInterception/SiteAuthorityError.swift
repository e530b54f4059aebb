#if canImport(Glibc)
import Glibc
#endif

/// Why the site CA (or a certificate file the administrator named) could not be used.
public enum SiteAuthorityError: Error, Equatable, CustomStringConvertible {
    /// A system call failed: what was being done, and errno.
    case io(String, Int32)
    /// A file is far larger than any certificate or key (`TLSInterceptionLimits.maxPEMFileBytes`).
    case tooLarge(String)
    /// The certificate is there but its key is not: the CA may already be installed on the
    /// office's clients, so a new one is never generated silently over it.
    case missingKey(String)
    /// A file that is not the PEM certificate or key it should be.
    case malformed(String)
    /// The key file does not belong to the certificate beside it.
    case keyMismatch(String)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .tooLarge(let path): "\(path): too large for a certificate or key file"
        case .missingKey(let path): "\(path) is missing: restore it, or remove the certificate beside it to generate a new CA (clients must then install the new one)"
        case .malformed(let path): "\(path): not a PEM certificate or key"
        case .keyMismatch(let path): "\(path): the key does not belong to the certificate"
        }
    }
}
