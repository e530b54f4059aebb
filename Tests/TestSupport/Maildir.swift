import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Maildir (new/ cur/ tmp/) on disk, as written by Postfix's virtual(8) and read by Dovecot.
///
/// Messages are listed from `new/` and `cur/`, oldest name first (delivery names begin with
/// the delivery time, so name order is delivery order within one second's resolution).
public struct Maildir: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Creates new/ cur/ tmp/ (and the root) owned by `owner`, so an unprivileged reader or
    /// writer (Dovecot's pop3 process, Postfix's virtual agent) can rename files between them.
    public func create(owner: MailAccount) throws {
        for sub in ["", "new", "cur", "tmp"] {
            let dir = root.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try owner.chown(dir)
        }
    }

    /// Every message file in new/ and cur/, in delivery (name) order.
    public func messages() -> [URL] {
        var found: [URL] = []
        for sub in ["new", "cur"] {
            let dir = root.appendingPathComponent(sub)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            found += names.filter { !$0.hasPrefix(".") }.map { dir.appendingPathComponent($0) }
        }
        return found.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Polls until at least `count` messages are present; returns them, or throws with what
    /// was there at the deadline.
    public func waitForMessages(count: Int, timeout: TimeInterval = 10) throws -> [URL] {
        var current: [URL] = []
        let arrived = waitUntil(timeout: timeout) {
            current = messages()
            return current.count >= count
        }
        guard arrived else {
            throw MailServerError.timedOut("\(count) message(s) in \(root.path); found \(current.count)")
        }
        return current
    }

    /// Writes `message` as a new message the way a delivery agent does (tmp/ then rename into
    /// new/), owned by `owner`. The bytes are stored unchanged.
    @discardableResult
    public func deliver(_ message: Data, owner: MailAccount) throws -> URL {
        if !FileManager.default.fileExists(atPath: root.appendingPathComponent("new").path) {
            try create(owner: owner)
        }
        let name = "\(Int(Date().timeIntervalSince1970)).M\(UUID().uuidString.prefix(12)).test,S=\(message.count)"
        let tmp = root.appendingPathComponent("tmp").appendingPathComponent(name)
        let final = root.appendingPathComponent("new").appendingPathComponent(name)
        try message.write(to: tmp)
        try owner.chown(tmp)
        try FileManager.default.moveItem(at: tmp, to: final)
        return final
    }

    public func read(_ url: URL) throws -> Data { try Data(contentsOf: url) }
}

/// The unprivileged account that owns test mail on disk (Postfix `virtual_uid_maps`,
/// Dovecot's static userdb). `nobody` exists on every Debian system and passes both servers'
/// minimum-uid checks (Postfix: 100, Dovecot: `first_valid_uid`).
public struct MailAccount: Sendable, Equatable {
    public let uid: UInt32
    public let gid: UInt32

    public init(uid: UInt32, gid: UInt32) { self.uid = uid; self.gid = gid }

    public static func named(_ name: String) -> MailAccount? {
        guard let pw = getpwnam(name) else { return nil }
        return MailAccount(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    public static var nobody: MailAccount { named("nobody") ?? MailAccount(uid: 65534, gid: 65534) }

    func chown(_ url: URL) throws {
        if Glibc.chown(url.path, uid, gid) != 0 {
            throw MailServerError.setupFailed("chown \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}

public enum MailServerError: Error, CustomStringConvertible {
    case notInstalled(String)
    case setupFailed(String)
    case startFailed(String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .notInstalled(let what): return "not installed: \(what)"
        case .setupFailed(let what): return "setup failed: \(what)"
        case .startFailed(let what): return "start failed: \(what)"
        case .timedOut(let what): return "timed out waiting for \(what)"
        }
    }
}
