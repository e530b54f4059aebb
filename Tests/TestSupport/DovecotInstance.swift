import Foundation

/// A private Dovecot POP3 server started by a test: config, runtime (`base_dir`), state and log
/// under a `TemporaryDirectory`, plaintext logins from a passwd-file, mail in
/// `HOME/Maildir` owned by an unprivileged account. `/etc/dovecot` is not read.
///
/// Dovecot runs its helper processes as user `dovecot`, so every directory on the way to the
/// config, the passwd-file and the mail must be traversable by that user (`TemporaryDirectory`
/// is 0755 for that reason). The server runs in the foreground (`dovecot -F -c FILE`) as a
/// `DaemonProcess`; `stop()` (also run on deinit) terminates it and waits for its workers.
///
///     let dovecot = try DovecotInstance(users: ["alice": "secret"])
///     try dovecot.deliver(user: "alice", message: Data("Subject: hi\r\n\r\nbody\r\n".utf8))
///     try dovecot.start()
///     let mail = try POP3Client.fetchAll(port: dovecot.port, user: "alice", password: "secret")
public final class DovecotInstance: @unchecked Sendable {
    /// User name → plain password.
    public let users: [String: String]
    public let mailAccount: MailAccount
    public let directory: TemporaryDirectory
    public private(set) var port = 0
    public private(set) var address = "127.0.0.1"
    private var server: DaemonProcess?
    /// PEM certificate and key files: Dovecot offers STLS with them (`ssl = yes`), plaintext
    /// logins still allowed. nil: no TLS (`ssl = no`).
    public var tls: (certificate: String, key: String)?
    /// With `tls`: a POP3S listener (TLS from the first byte, RFC 8314) on this port too.
    public var implicitTLSPort: Int?

    public static let path = "/usr/sbin/dovecot"
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: path)
            && FileManager.default.fileExists(atPath: "/usr/lib/dovecot/pop3")
    }

    public var configURL: URL { directory.url.appendingPathComponent("dovecot.conf") }
    public var logURL: URL { directory.url.appendingPathComponent("dovecot.log") }
    public var homeRoot: URL { directory.url.appendingPathComponent("home") }

    public init(users: [String: String] = ["alice": "secret", "bob": "secret"],
                mailAccount: MailAccount = .nobody) throws {
        guard Self.isInstalled else { throw MailServerError.notInstalled("dovecot-pop3d (\(Self.path))") }
        guard MailAccount.named("dovecot") != nil else { throw MailServerError.notInstalled("user dovecot") }
        self.users = users
        self.mailAccount = mailAccount
        directory = try TemporaryDirectory(prefix: "mailsec-dovecot")
        try FileManager.default.createDirectory(at: homeRoot, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        for user in users.keys {
            let home = homeRoot.appendingPathComponent(user)
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try mailAccount.chown(home)
            try maildir(for: user).create(owner: mailAccount)
        }
    }

    deinit { stop() }

    // MARK: mail (usable before and after start)

    public func maildir(for user: String) -> Maildir {
        Maildir(root: homeRoot.appendingPathComponent(user).appendingPathComponent("Maildir"))
    }

    /// Puts `message` into `user`'s Maildir (new/), bytes unchanged, as a delivery agent would.
    @discardableResult
    public func deliver(user: String, message: Data) throws -> URL {
        precondition(users[user] != nil, "unknown test user \(user)")
        return try maildir(for: user).deliver(message, owner: mailAccount)
    }

    /// The messages still in `user`'s Maildir (new/ and cur/).
    public func messages(of user: String) -> [URL] { maildir(for: user).messages() }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    // MARK: lifecycle

    /// Writes the configuration and starts Dovecot; returns once POP3 accepts connections.
    public func start(port: Int = TCPPort.free(), address: String = "127.0.0.1", timeout: TimeInterval = 15) throws {
        precondition(server == nil, "DovecotInstance started twice")
        self.port = port
        self.address = address
        try writeConfiguration()
        let process = try DaemonProcess(Self.path, ["-F", "-c", configURL.path], directory: directory.url,
                                        ownProcessGroup: true)
        server = process
        // Ready once a login process greets: a Dovecot stopped while it is still starting its
        // services takes seconds to exit.
        let ready = waitUntil(timeout: timeout) { !process.isRunning || Self.greets(port: port, host: address) }
        guard ready, process.isRunning else {
            let why = "dovecot on \(address):\(port) (running: \(process.isRunning))\n\(log)\n\(process.standardError)"
            stop()
            throw MailServerError.startFailed(why)
        }
    }

    /// SIGTERM to the Dovecot master (it ends its workers), then a bounded wait until no
    /// process of its group is left. Dovecot usually exits within about a second; when a
    /// connection arrives just as it shuts down it sometimes lingers 5 s more for a login
    /// process, which a test does not need: after 2 s whatever remains is killed.
    public func stop() {
        guard let process = server else { return }
        server = nil
        process.stopGroup(signal: SIGTERM, timeout: 2)
    }

    public var isRunning: Bool { server?.isRunning ?? false }

    /// PIDs of the server's live worker processes.
    public var workerPIDs: [Int32] { server?.childPIDs() ?? [] }

    private static func greets(port: Int, host: String) -> Bool {
        return (try? POP3Client(port: port, host: host, timeout: 2))?.greeting.hasPrefix("+OK") ?? false
    }

    /// The Dovecot master's PID while running.
    public var pid: Int32? { server?.pid }

    // MARK: setup

    private var tlsSettings: String {
        guard let tls else { return "ssl = no" }
        return "ssl = yes\nssl_cert = <\(tls.certificate)\nssl_key = <\(tls.key)"
    }

    private func writeConfiguration() throws {
        let top = directory.url.path
        let passwd = users.sorted { $0.key < $1.key }.map { "\($0.key):{PLAIN}\($0.value)::::::\n" }.joined()
        try passwd.write(toFile: "\(top)/users", atomically: true, encoding: .utf8)
        for name in ["run", "state"] {
            try FileManager.default.createDirectory(atPath: "\(top)/\(name)", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        let config = """
        # Private test instance; written by DovecotInstance.
        protocols = pop3
        listen = \(address)
        base_dir = \(top)/run
        state_dir = \(top)/state
        log_path = \(logURL.path)
        info_log_path = \(logURL.path)
        log_timestamp = "%H:%M:%S.%{usecs} "
        # No statistics: a login process that starts while Dovecot shuts down otherwise waits
        # 5 s for the stats-writer handshake, and the whole stop with it.
        stats_writer_socket_path =
        \(tlsSettings)
        disable_plaintext_auth = no
        auth_mechanisms = plain
        first_valid_uid = \(min(mailAccount.uid, 500))
        first_valid_gid = \(min(mailAccount.gid, 500))
        passdb {
          driver = passwd-file
          args = scheme=PLAIN username_format=%u \(top)/users
        }
        userdb {
          driver = static
          args = uid=\(mailAccount.uid) gid=\(mailAccount.gid) home=\(homeRoot.path)/%u
        }
        mail_location = maildir:~/Maildir
        pop3_uidl_format = %08Xu%08Xv
        service pop3-login {
          inet_listener pop3 {
            address = \(address)
            port = \(port)
          }
          \(implicitTLSPort.map { "inet_listener pop3s {\n    address = \(address)\n    port = \($0)\n    ssl = yes\n  }" } ?? "")
        }

        """
        try config.write(to: configURL, atomically: true, encoding: .utf8)
    }
}
