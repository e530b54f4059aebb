import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The appliance's two certificate authorities, generated on the box at its first start and
/// never shipped (docs/tls.md, "The site CA"):
///
///     STATE_DIR/tls/            mode 0700
///         site-ca.pem           the CA the office installs on its clients
///         site-ca.key           mode 0600
///         untrusted-ca.pem      signs leaves for upstream servers that failed verification
///         untrusted-ca.key      mode 0600
///
/// Loading and generating block on disk I/O: the daemon does it once at start, before any
/// event loop needs a certificate.
public struct SiteAuthority: Sendable {
    /// The sub-directory of the daemon's state directory (`mailsecd --state-dir`).
    public static let directoryName = "tls"
    static let directoryMode: mode_t = 0o700
    static let keyMode: mode_t = 0o600
    static let certificateMode: mode_t = 0o644

    /// The CA the office's clients trust.
    public let site: SigningAuthority
    /// The CA no client should trust (docs/tls.md, "Upstream verification").
    public let untrusted: SigningAuthority
    /// Whether this start generated the site CA (the daemon logs it: clients must install it).
    public let generated: Bool

    public init(site: SigningAuthority, untrusted: SigningAuthority, generated: Bool = false) {
        self.site = site
        self.untrusted = untrusted
        self.generated = generated
    }

    /// The CA that signs a leaf: the site CA when the upstream verified, the untrusted CA otherwise.
    public func authority(trusted: Bool) -> SigningAuthority { trusted ? site : untrusted }

    /// The site CA's certificate as PEM (`show mail security tls ca`, the web console's download).
    public var certificatePEM: String { site.certificatePEM }
    /// SHA-256 of the site CA's certificate, `AB:CD:…`.
    public var sha256Fingerprint: String { site.sha256Fingerprint }

    /// Loads both CAs from `stateDirectory/tls`, generating whichever is absent.
    public static func loadOrCreate(stateDirectory: String, now: Date = Date()) throws -> SiteAuthority {
        let directory = stateDirectory + "/" + directoryName
        try prepareDirectory(directory)
        // Two daemons starting at once on one state directory (tests, a restart racing its
        // predecessor) must not each write half of a pair: one generates, the other loads.
        let lock = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, keyMode)
        guard lock >= 0 else { throw SiteAuthorityError.io("open \(directory)/.lock", errno) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SiteAuthorityError.io("flock \(directory)/.lock", errno) }
        }
        let (site, siteGenerated) = try loadOrCreate(.site, in: directory, now: now)
        let (untrusted, _) = try loadOrCreate(.untrusted, in: directory, now: now)
        return SiteAuthority(site: site, untrusted: untrusted, generated: siteGenerated)
    }

    /// `site-ca` or `untrusted-ca`, without extension.
    static func baseName(_ role: SigningAuthority.Role) -> String { role.rawValue + "-ca" }

    private static func loadOrCreate(_ role: SigningAuthority.Role, in directory: String,
                                     now: Date) throws -> (SigningAuthority, generated: Bool) {
        let base = directory + "/" + baseName(role)
        let certificatePath = base + ".pem"
        let keyPath = base + ".key"
        let manager = FileManager.default
        if manager.fileExists(atPath: certificatePath) {
            // A certificate without its key may already be installed on clients: stop rather
            // than replace it behind the administrator's back.
            guard manager.fileExists(atPath: keyPath) else { throw SiteAuthorityError.missingKey(keyPath) }
            // A key left readable by others (restored from a backup, say) is closed again.
            if chmod(keyPath, keyMode) != 0 { throw SiteAuthorityError.io("chmod \(keyPath)", errno) }
            let certificatePEM = String(decoding: try AtomicFile.read(certificatePath), as: UTF8.self)
            let keyPEM = String(decoding: try AtomicFile.read(keyPath), as: UTF8.self)
            return (try SigningAuthority.load(role: role, certificatePEM: certificatePEM, keyPEM: keyPEM, path: base), false)
        }
        // No certificate: never shown to anyone, so a key left by an interrupted first start
        // is simply replaced. The key is written first, so a certificate never exists without it.
        let authority = try SigningAuthority.generate(role: role, now: now)
        try AtomicFile.write(Array(authority.privateKey.pemRepresentation.utf8), to: keyPath, mode: keyMode)
        try AtomicFile.write(Array(authority.certificatePEM.utf8), to: certificatePath, mode: certificateMode)
        return (authority, true)
    }

    private static func prepareDirectory(_ directory: String) throws {
        if mkdir(directory, directoryMode) != 0, errno != EEXIST {
            // The state directory itself may be missing on a development machine.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(directoryMode)])
        }
        if chmod(directory, directoryMode) != 0 { throw SiteAuthorityError.io("chmod \(directory)", errno) }
    }
}
